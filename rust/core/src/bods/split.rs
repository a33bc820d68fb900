//! Input bytes -> blocks of statement texts, read a few megabytes at a time.
//!
//! A file is JSON Lines (one statement per line) or one JSON array of statements, told by
//! its first non-blank byte as the reference reader does. Array elements are found by a
//! byte scanner that tracks strings and nesting, so an array is cut into statements without
//! parsing it whole; each element is then parsed on its own.

use std::io::Read;

use crate::error::{Error, Result};

/// Bytes read at a time. Statements of a block are parsed in parallel.
pub const BLOCK: usize = 8 << 20;
/// The first read: small inputs (a few statements) cost no block-sized buffer; each read
/// doubles until [`BLOCK`].
const FIRST_READ: usize = 64 << 10;

/// One statement's text in a block, and where it starts in the input (1-based).
#[derive(Debug, Clone, Copy)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Unknown,
    Lines,
    Array,
}

/// The array scanner's state, kept across blocks.
#[derive(Default)]
struct Scan {
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// The current element's start in the buffer, once a non-blank byte began it.
    element: Option<(usize, usize, usize)>,
    /// The top-level array was closed.
    closed: bool,
    /// A comma was just seen at depth 1 (an element must follow).
    after_comma: bool,
}

pub struct Splitter<R> {
    input: R,
    name: String,
    buf: Vec<u8>,
    /// A parsed block given back ([`Self::recycle`]): the next buffer, without a new
    /// allocation of a block's size.
    spare: Vec<u8>,
    /// Bytes to ask for at the next read.
    read_size: usize,
    /// How far `buf` was scanned (array) or searched for line ends (lines).
    scanned: usize,
    eof: bool,
    format: Format,
    scan: Scan,
    /// Line and column (1-based) of `buf[scanned]`.
    line: usize,
    column: usize,
    first_block: bool,
}

pub fn syntax(message: String) -> Error {
    Error::InvalidBods {
        message,
        statement_ids: vec![],
    }
}

impl<R: Read> Splitter<R> {
    pub fn new(input: R, name: &str) -> Self {
        Splitter {
            input,
            name: name.to_owned(),
            buf: Vec::new(),
            spare: Vec::new(),
            read_size: FIRST_READ,
            scanned: 0,
            eof: false,
            format: Format::Unknown,
            scan: Scan::default(),
            line: 1,
            column: 1,
            first_block: true,
        }
    }

    fn fill(&mut self) -> Result<()> {
        let start = self.buf.len();
        self.buf.resize(start + self.read_size, 0);
        self.read_size = (self.read_size * 2).min(BLOCK);
        let mut filled = start;
        while filled < self.buf.len() {
            match self.input.read(&mut self.buf[filled..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(filled);
                    return Err(syntax(format!(
                        "{}: cannot read it as UTF-8 JSON text: {e}",
                        self.name
                    )));
                }
            }
        }
        self.buf.truncate(filled);
        if self.first_block {
            self.first_block = false;
            if self.buf.starts_with(b"\xef\xbb\xbf") {
                self.buf.drain(..3);
            }
        }
        Ok(())
    }

    /// The next block: its bytes and the statements in it, or `None` at the end.
    pub fn next_block(&mut self) -> Result<Option<(Vec<u8>, Vec<Span>)>> {
        loop {
            if !self.eof {
                self.fill()?;
            }
            if self.format == Format::Unknown {
                match self.buf.iter().find(|b| !b.is_ascii_whitespace()) {
                    Some(b'[') => self.format = Format::Array,
                    Some(_) => self.format = Format::Lines,
                    None if self.eof => return Ok(None),
                    None => continue,
                }
            }
            let spans = match self.format {
                Format::Lines => self.lines(),
                _ => self.array()?,
            };
            let Some(cut) = spans else {
                if self.eof {
                    return Ok(None);
                }
                continue;
            };
            let (cut, spans) = cut;
            let mut rest = std::mem::take(&mut self.spare);
            rest.clear();
            rest.reserve(self.buf.len() - cut + self.read_size);
            rest.extend_from_slice(&self.buf[cut..]);
            self.buf.truncate(cut);
            let block = std::mem::replace(&mut self.buf, rest);
            self.scanned -= cut;
            if let Some((start, line, column)) = self.scan.element {
                self.scan.element = Some((start - cut, line, column));
            }
            if spans.is_empty() && self.eof && self.buf.is_empty() {
                return Ok(None);
            }
            return Ok(Some((block, spans)));
        }
    }

    /// Takes back a block that [`Self::next_block`] gave, once its statements are parsed.
    pub fn recycle(&mut self, block: Vec<u8>) {
        self.spare = block;
    }

    /// Complete lines of the buffer: (bytes consumed, spans), or `None` if none is complete.
    fn lines(&mut self) -> Option<(usize, Vec<Span>)> {
        let end = if self.eof {
            self.buf.len()
        } else {
            memchr::memrchr(b'\n', &self.buf).map(|i| i + 1)?
        };
        if end == 0 {
            return None;
        }
        let mut spans = Vec::new();
        let mut start = 0;
        let text = &self.buf[..end];
        while start < end {
            let stop = memchr::memchr(b'\n', &text[start..]).map_or(end, |i| start + i);
            let line = &text[start..stop];
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                spans.push(Span {
                    start,
                    end: stop,
                    line: self.line,
                    column: 1,
                });
            }
            self.line += 1;
            start = stop + 1;
        }
        self.scanned = end;
        Some((end, spans))
    }

    fn error_at(&self, line: usize, column: usize, what: &str) -> Error {
        syntax(format!(
            "{}: not valid JSON at line {line}, column {column}: {what}",
            self.name
        ))
    }

    /// Complete elements of the array in the buffer.
    fn array(&mut self) -> Result<Option<(usize, Vec<Span>)>> {
        let mut spans = Vec::new();
        let mut i = self.scanned;
        let s = &mut self.scan;
        let buf = &self.buf;
        let (mut line, mut column) = (self.line, self.column);
        let mut problem: Option<(usize, usize, &str)> = None;
        while i < buf.len() {
            let b = buf[i];
            if s.in_string {
                if s.escaped {
                    s.escaped = false;
                } else if b == b'\\' {
                    s.escaped = true;
                } else if b == b'"' {
                    s.in_string = false;
                }
            } else if s.closed {
                if !b.is_ascii_whitespace() {
                    problem = Some((line, column, "extra data after the array"));
                    break;
                }
            } else if s.depth == 0 {
                if b == b'[' {
                    s.depth = 1;
                } else if !b.is_ascii_whitespace() {
                    problem = Some((line, column, "expected '['"));
                    break;
                }
            } else {
                if s.depth == 1 && s.element.is_none() && !b.is_ascii_whitespace() {
                    if b == b',' || (b == b']' && s.after_comma) {
                        problem = Some((line, column, "expected a value"));
                        break;
                    }
                    if b != b']' {
                        s.element = Some((i, line, column));
                        s.after_comma = false;
                    }
                }
                match b {
                    b'"' => s.in_string = true,
                    b'[' | b'{' => s.depth += 1,
                    b']' | b'}' => {
                        s.depth -= 1;
                        if s.depth == 0 {
                            if let Some((start, l, c)) = s.element.take() {
                                spans.push(element(buf, start, i, l, c));
                            }
                            s.closed = true;
                        }
                    }
                    b',' if s.depth == 1 => {
                        if let Some((start, l, c)) = s.element.take() {
                            spans.push(element(buf, start, i, l, c));
                        }
                        s.after_comma = true;
                    }
                    _ => {}
                }
            }
            if b == b'\n' {
                line += 1;
                column = 1;
            } else if b & 0xc0 != 0x80 {
                column += 1; // columns count characters, not bytes
            }
            i += 1;
        }
        if let Some((l, c, what)) = problem {
            return Err(self.error_at(l, c, what));
        }
        self.scanned = i;
        self.line = line;
        self.column = column;
        if self.eof && !self.scan.closed {
            return Err(self.error_at(line, column, "the array is not closed"));
        }
        // Keep the open element (and nothing before it) for the next block.
        let cut = match self.scan.element {
            Some((start, _, _)) => start,
            None => self.buf.len(),
        };
        Ok(Some((cut, spans)))
    }

    /// The message for a statement that does not parse.
    pub fn syntax_error(&self, e: &serde_json::Error, span: &Span, text: &[u8]) -> Error {
        let full = e.to_string();
        let what = full
            .rfind(" at line ")
            .map_or(full.as_str(), |i| &full[..i]);
        match self.format {
            Format::Lines => syntax(format!(
                "{} line {}: not valid JSON ({what}); BODS files are a JSON array of statements \
                 or JSON Lines, one statement per line",
                self.name, span.line
            )),
            _ => {
                let line = span.line + e.line().saturating_sub(1);
                // serde counts a line's bytes; the reference (and the splitter) characters.
                let line_start = memchr::memchr_iter(b'\n', text)
                    .nth(e.line().saturating_sub(2))
                    .filter(|_| e.line() > 1)
                    .map_or(0, |i| i + 1);
                let end = (line_start + e.column().saturating_sub(1)).min(text.len());
                let chars = String::from_utf8_lossy(&text[line_start..end])
                    .chars()
                    .count();
                let column = if e.line() <= 1 {
                    span.column + chars
                } else {
                    chars + 1
                };
                self.error_at(line, column, what)
            }
        }
    }
}

impl<R: Read> Splitter<R> {
    /// Text that is not UTF-8: `before` is the statement's text up to the first bad byte.
    pub fn encoding_error(&self, before: &[u8], span: &Span) -> Error {
        let newlines = memchr::memchr_iter(b'\n', before).count();
        let line = span.line + newlines;
        let column = match memchr::memrchr(b'\n', before) {
            Some(i) => before.len() - i,
            None => span.column + before.len(),
        };
        syntax(format!(
            "{}: cannot read it as UTF-8 JSON text: invalid UTF-8 at line {line}, column {column}",
            self.name
        ))
    }
}

fn element(buf: &[u8], start: usize, end: usize, line: usize, column: usize) -> Span {
    let mut end = end;
    while end > start && buf[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    Span {
        start,
        end,
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Result<Vec<String>> {
        let mut s = Splitter::new(text.as_bytes(), "t");
        let mut out = vec![];
        while let Some((buf, spans)) = s.next_block()? {
            for sp in spans {
                out.push(format!(
                    "{}@{}:{}",
                    std::str::from_utf8(&buf[sp.start..sp.end]).unwrap(),
                    sp.line,
                    sp.column
                ));
            }
        }
        Ok(out)
    }

    #[test]
    fn lines_skip_blanks_and_keep_numbers() {
        assert_eq!(
            split("{\"a\":1}\n\n  \n{\"b\":2}").unwrap(),
            ["{\"a\":1}@1:1", "{\"b\":2}@4:1"]
        );
    }

    #[test]
    fn arrays_split_on_top_level_commas_only() {
        let got = split("[\n {\"a\": [1, 2], \"s\": \"x,]\\\"}\"},\n {\"b\": {}} ]\n").unwrap();
        assert_eq!(
            got,
            [
                "{\"a\": [1, 2], \"s\": \"x,]\\\"}\"}@2:2",
                "{\"b\": {}}@3:2"
            ]
        );
        assert!(split("[]").unwrap().is_empty());
        assert!(split("").unwrap().is_empty());
    }

    #[test]
    fn broken_arrays_say_where() {
        let e = split("[{\"a\": 1},\n ,{}]").unwrap_err().to_string();
        assert!(e.contains("line 2, column 2: expected a value"), "{e}");
        let e = split("[{\"a\": 1}").unwrap_err().to_string();
        assert!(e.contains("the array is not closed"), "{e}");
        let e = split("[{}] x").unwrap_err().to_string();
        assert!(e.contains("extra data"), "{e}");
        let e = split("[{},]").unwrap_err().to_string();
        assert!(e.contains("expected a value"), "{e}");
    }
}
