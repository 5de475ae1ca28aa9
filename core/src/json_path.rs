//! The JSON path of a decode error, found from the error's position in the text.
//!
//! serde_json reports a failed decode by line and column only. Tracking the path while decoding
//! (serde_path_to_error) would compile every model's deserializer a second time, so instead this
//! walks the text once, after the failure, up to where serde_json stopped.

/// The path (`devices[1].authorized`, `.` for the document) of the value being decoded when
/// serde_json stopped at `line`:`column` (its error position, just past the last byte it
/// consumed): the value that ends there (type errors, missing fields and custom errors are
/// reported just after the value) or begins there (a value of the wrong kind is refused before it
/// is consumed), else the value or container the position lies in (syntax errors). Keys name
/// object members and `[i]` array elements, as serde_path_to_error writes them.
pub(crate) fn path_of(text: &[u8], error: &serde_json::Error) -> String {
    path_at(text, error.line(), error.column(), error.is_eof())
}

fn path_at(text: &[u8], line: usize, column: usize, eof: bool) -> String {
    let mut scanner = Scanner { text, position: consumed(text, line, column), eof, stack: Vec::new() };
    let found = scanner.value().err().unwrap_or(Stop::Inside);
    let mut path = String::new();
    let depth = match found {
        Stop::EndsHere => scanner.stack.len(),
        // Inside a container, its current member counts only once the member's value has begun.
        Stop::Inside => scanner.stack.iter().rposition(|frame| frame.in_value).map_or(0, |i| i + 1),
    };
    for frame in &scanner.stack[..depth] {
        match &frame.segment {
            Segment::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Segment::Index(index) => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
        }
    }
    if path.is_empty() {
        path.push('.');
    }
    path
}

/// The index just past the last byte consumed, from serde_json's 1-based line and its column
/// (the count of bytes consumed on that line).
fn consumed(text: &[u8], line: usize, column: usize) -> usize {
    (line_start(text, line) + column).min(text.len())
}

/// Where 1-based `line` starts in `text` (the text's length when it has fewer lines).
pub(crate) fn line_start(text: &[u8], line: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].iter().position(|b| *b == b'\n') {
            Some(newline) => start += newline + 1,
            None => return text.len(),
        }
    }
    start
}

/// Why the walk stopped: the value that ends at the position was found, or the position lies inside
/// the current stack of containers (or the text ended or broke before it).
enum Stop {
    EndsHere,
    Inside,
}

enum Segment {
    Key(String),
    Index(usize),
}

/// One open container: the member being read and whether its value has begun.
struct Frame {
    segment: Segment,
    in_value: bool,
}

struct Scanner<'a> {
    text: &'a [u8],
    /// How many bytes serde_json had consumed when it stopped.
    position: usize,
    /// The text ended early: a value that ends at the end is complete, and its container broke.
    eof: bool,
    stack: Vec<Frame>,
}

impl Scanner<'_> {
    fn after_space(&self, mut at: usize) -> usize {
        while at < self.text.len() && self.text[at].is_ascii_whitespace() {
            at += 1;
        }
        at
    }

    /// Skips whitespace; stops the walk when it reaches the position first.
    fn skip_space(&self, at: usize) -> Result<usize, Stop> {
        let at = self.after_space(at);
        if at >= self.position {
            return Err(Stop::Inside);
        }
        Ok(at)
    }

    fn value(&mut self) -> Result<usize, Stop> {
        self.value_at(0)
    }

    /// Walks the value starting at or after `at`; returns the index just past it.
    fn value_at(&mut self, at: usize) -> Result<usize, Stop> {
        let start = self.after_space(at);
        if start == self.position && start < self.text.len() {
            // serde_json refuses a value of the wrong kind (an object or list where a string is
            // expected) before consuming it: the position is just before the value.
            return Err(Stop::EndsHere);
        }
        if start > self.position {
            return Err(Stop::Inside);
        }
        let end = match self.text.get(start) {
            Some(b'{') => self.object(start + 1)?,
            Some(b'[') => self.array(start + 1)?,
            Some(b'"') => self.string(start)?,
            Some(_) => self.scalar(start)?,
            None => return Err(Stop::Inside),
        };
        if end == self.position {
            if self.eof && self.complete(start, end) {
                self.leave_value();
                return Err(Stop::Inside);
            }
            return Err(Stop::EndsHere);
        }
        if end > self.position {
            return Err(Stop::Inside);
        }
        Ok(end)
    }

    /// Whether the value in `start..end` is whole (a cut text may end inside a number or literal).
    fn complete(&self, start: usize, end: usize) -> bool {
        let value = &self.text[start..end];
        matches!(value, b"true" | b"false" | b"null") || value.first() == Some(&b'"') || value.last().is_some_and(u8::is_ascii_digit) || matches!(value.last(), Some(b'}' | b']'))
    }

    /// Index just past the string starting at `start` (a `"`).
    fn string(&self, start: usize) -> Result<usize, Stop> {
        let mut at = start + 1;
        while at < self.text.len() {
            match self.text[at] {
                b'\\' => at += 2,
                b'"' => return Ok(at + 1),
                _ => at += 1,
            }
        }
        Err(Stop::Inside)
    }

    /// Index just past a number or literal: up to the next delimiter.
    fn scalar(&self, start: usize) -> Result<usize, Stop> {
        let length = self.text[start..].iter().position(|b| matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace());
        let end = length.map_or(self.text.len(), |length| start + length.max(1));
        Ok(end)
    }

    fn object(&mut self, at: usize) -> Result<usize, Stop> {
        self.stack.push(Frame { segment: Segment::Key(String::new()), in_value: false });
        let mut at = self.skip_space(at)?;
        if self.text.get(at) == Some(&b'}') {
            return self.close(at);
        }
        loop {
            at = self.skip_space(at)?;
            if self.text.get(at) != Some(&b'"') {
                return Err(Stop::Inside);
            }
            let key_end = self.string(at)?;
            if key_end >= self.position {
                return Err(Stop::Inside);
            }
            let key = String::from_utf8_lossy(&self.text[at + 1..key_end - 1]).into_owned();
            at = self.skip_space(key_end)?;
            if self.text.get(at) != Some(&b':') {
                return Err(Stop::Inside);
            }
            self.set_top(Segment::Key(key));
            at = self.value_at(at + 1)?;
            self.leave_value();
            at = self.skip_space(at)?;
            match self.text.get(at) {
                Some(b',') => at += 1,
                Some(b'}') => return self.close(at),
                _ => return Err(Stop::Inside),
            }
        }
    }

    fn array(&mut self, at: usize) -> Result<usize, Stop> {
        self.stack.push(Frame { segment: Segment::Index(0), in_value: false });
        // Not `skip_space`: the first element may be refused just after the `[` (see `value_at`).
        let mut at = self.after_space(at);
        if self.text.get(at) == Some(&b']') {
            return if at >= self.position { Err(Stop::Inside) } else { self.close(at) };
        }
        let mut index = 0;
        loop {
            // An element counts once it begins (serde_json looks for one before decoding it).
            let next = self.after_space(at);
            if next > self.position || matches!(self.text.get(next), None | Some(b']')) {
                return Err(Stop::Inside);
            }
            self.set_top(Segment::Index(index));
            at = self.value_at(at)?;
            self.leave_value();
            at = self.skip_space(at)?;
            match self.text.get(at) {
                Some(b',') => at += 1,
                Some(b']') => return self.close(at),
                _ => return Err(Stop::Inside),
            }
            index += 1;
        }
    }

    fn set_top(&mut self, segment: Segment) {
        if let Some(frame) = self.stack.last_mut() {
            *frame = Frame { segment, in_value: true };
        }
    }

    fn leave_value(&mut self) {
        if let Some(frame) = self.stack.last_mut() {
            frame.in_value = false;
        }
    }

    /// Closes the container whose closing bracket is at `at`.
    fn close(&mut self, at: usize) -> Result<usize, Stop> {
        self.stack.pop();
        Ok(at + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::path_at;

    /// The path when serde_json stopped just past `needle`.
    fn at(text: &str, needle: &str) -> String {
        let column = text.find(needle).map_or(text.len(), |i| i + needle.len());
        path_at(text.as_bytes(), 1, column, false)
    }

    #[test]
    fn names_the_value_that_ends_at_the_position() {
        let text = r#"{"devices":[{"nodeId":"n1"},{"nodeId":"n2","authorized":"yes"}], "n": 1}"#;
        assert_eq!(at(text, r#""yes""#), "devices[1].authorized");
        assert_eq!(at(text, r#""n1"}"#), "devices[0]");
        assert_eq!(at(text, r#""n1""#), "devices[0].nodeId");
        assert_eq!(at(text, r#""yes"}"#), "devices[1]");
        assert_eq!(at(text, "}]"), "devices");
        assert_eq!(at(text, ": 1"), "n");
        assert_eq!(path_at(text.as_bytes(), 1, text.len(), false), ".");
        // Refused before it was consumed: the value that begins at the position.
        assert_eq!(at(text, r#""nodeId":"#), "devices[0].nodeId");
        assert_eq!(path_at(b"[1]", 1, 0, false), ".");
        assert_eq!(at("{\n  \"a\": [\n    1,\n    true", "true"), "a[1]");
        assert_eq!(path_at(b"{\n  \"a\": [\n    1,\n    true", 4, 8, false), "a[1]");
    }

    #[test]
    fn inside_a_container_names_the_member_once_its_value_began() {
        // A key (an unknown-field error) belongs to its object; a broken value to its member.
        assert_eq!(at(r#"{"a":{"bogus":1}}"#, r#""bogus""#), "a");
        assert_eq!(at(r#"{"a":[1,2,x]}"#, "x"), "a[2]");
        assert_eq!(at(r#"{"a":"unterminated"#, "unterm"), "a");
        assert_eq!(at(r#"{"a" 1}"#, "1"), ".");
        assert_eq!(at("", ""), ".");
        assert_eq!(at("[1, 2", "2"), "[1]");
        assert_eq!(at(r#"{"a\"b":true}"#, "true"), r#"a\"b"#);
    }
}
