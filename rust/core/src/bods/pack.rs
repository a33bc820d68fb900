//! A record's fields packed into one byte buffer: a register holds millions of records
//! between parsing and building, and one allocation each (rather than one per string)
//! keeps that within a little more than the text itself.

/// Appends fields; [`Unpacker`] reads them back in the same order.
#[derive(Default)]
pub struct Packer(Vec<u8>);

impl Packer {
    /// Packs into `buffer` (cleared): a reused scratch buffer, given back by [`Self::into_inner`].
    pub fn reuse(mut buffer: Vec<u8>) -> Self {
        buffer.clear();
        Packer(buffer)
    }

    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    fn varint(&mut self, mut v: usize) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    pub fn count(&mut self, n: usize) {
        self.varint(n);
    }

    pub fn str(&mut self, s: &str) {
        self.varint(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    pub fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.varint(0),
            Some(s) => {
                self.varint(s.len() + 1);
                self.0.extend_from_slice(s.as_bytes());
            }
        }
    }

    pub fn f64(&mut self, v: Option<f64>) {
        match v {
            None => self.0.push(0),
            Some(v) => {
                self.0.push(1);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
        }
    }

    pub fn bool(&mut self, v: Option<bool>) {
        self.0.push(match v {
            None => 2,
            Some(b) => b as u8,
        });
    }
}

/// Reads what a [`Packer`] wrote. The buffer is always one of ours, so a short read is a
/// bug, not bad data.
pub struct Unpacker<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Unpacker<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Unpacker { buf, pos: 0 }
    }

    fn varint(&mut self) -> usize {
        let mut v = 0usize;
        let mut shift = 0;
        loop {
            let b = self.buf[self.pos];
            self.pos += 1;
            v |= ((b & 0x7f) as usize) << shift;
            if b < 0x80 {
                return v;
            }
            shift += 7;
        }
    }

    pub fn u8(&mut self) -> u8 {
        let b = self.buf[self.pos];
        self.pos += 1;
        b
    }

    pub fn count(&mut self) -> usize {
        self.varint()
    }

    fn bytes(&mut self, n: usize) -> &'a str {
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        // Packed from `&str` values only.
        std::str::from_utf8(s).expect("packed text is UTF-8")
    }

    pub fn str(&mut self) -> &'a str {
        let n = self.varint();
        self.bytes(n)
    }

    pub fn opt(&mut self) -> Option<&'a str> {
        match self.varint() {
            0 => None,
            n => Some(self.bytes(n - 1)),
        }
    }

    pub fn f64(&mut self) -> Option<f64> {
        if self.u8() == 0 {
            return None;
        }
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.buf[self.pos..self.pos + 8]);
        self.pos += 8;
        Some(f64::from_le_bytes(b))
    }

    pub fn bool(&mut self) -> Option<bool> {
        match self.u8() {
            2 => None,
            b => Some(b == 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut p = Packer::default();
        p.str("é");
        p.opt(None);
        p.opt(Some(""));
        p.f64(Some(0.1));
        p.f64(None);
        p.bool(Some(true));
        p.bool(None);
        p.count(300);
        p.str(&"x".repeat(200));
        let buf = p.into_inner();
        let mut u = Unpacker::new(&buf);
        assert_eq!(u.str(), "é");
        assert_eq!(u.opt(), None);
        assert_eq!(u.opt(), Some(""));
        assert_eq!(u.f64(), Some(0.1));
        assert_eq!(u.f64(), None);
        assert_eq!(u.bool(), Some(true));
        assert_eq!(u.bool(), None);
        assert_eq!(u.count(), 300);
        assert_eq!(u.str().len(), 200);
    }
}
