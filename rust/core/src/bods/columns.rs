//! Arrow-layout column builders: the reader's tables leave the core as Arrow buffers
//! (validity bitmaps, i64 offsets), ready to be wrapped without a copy.

/// A validity bitmap (bit set: a value).
#[derive(Default, Debug)]
pub struct Validity {
    pub bits: Vec<u8>,
    pub len: usize,
    pub nulls: usize,
}

impl Validity {
    fn push(&mut self, valid: bool) {
        if self.len % 8 == 0 {
            self.bits.push(0);
        }
        if valid {
            self.bits[self.len / 8] |= 1 << (self.len % 8);
        } else {
            self.nulls += 1;
        }
        self.len += 1;
    }
}

#[derive(Debug)]
pub struct Strings {
    pub offsets: Vec<i64>,
    pub data: Vec<u8>,
    pub validity: Validity,
}

impl Default for Strings {
    fn default() -> Self {
        Strings {
            offsets: vec![0],
            data: Vec::new(),
            validity: Validity::default(),
        }
    }
}

impl Strings {
    pub fn push(&mut self, value: Option<&str>) {
        if let Some(v) = value {
            self.data.extend_from_slice(v.as_bytes());
        }
        self.offsets.push(self.data.len() as i64);
        self.validity.push(value.is_some());
    }

    pub fn len(&self) -> usize {
        self.validity.len
    }

    pub fn is_empty(&self) -> bool {
        self.validity.len == 0
    }
}

#[derive(Default, Debug)]
pub struct Floats {
    pub values: Vec<f64>,
    pub validity: Validity,
}

impl Floats {
    pub fn push(&mut self, value: Option<f64>) {
        self.values.push(value.unwrap_or(0.0));
        self.validity.push(value.is_some());
    }
}

#[derive(Default, Debug)]
pub struct Bools {
    /// Bit-packed values.
    pub values: Validity,
    pub validity: Validity,
}

impl Bools {
    pub fn push(&mut self, value: Option<bool>) {
        self.values.push(value == Some(true));
        self.validity.push(value.is_some());
    }
}

/// `list<struct<scheme, scheme_name, id, uri>>`, the node table's identifiers (never null).
#[derive(Debug)]
pub struct Identifiers {
    pub offsets: Vec<i32>,
    pub fields: [Strings; 4],
}

impl Default for Identifiers {
    fn default() -> Self {
        Identifiers {
            offsets: vec![0],
            fields: Default::default(),
        }
    }
}

impl Identifiers {
    pub fn push(&mut self, item: [Option<&str>; 4]) {
        for (field, value) in self.fields.iter_mut().zip(item) {
            field.push(value);
        }
    }

    /// Ends the current row's list.
    pub fn end_row(&mut self) {
        self.offsets.push(self.fields[0].len() as i32);
    }
}

#[derive(Debug)]
pub enum Column {
    Str(Strings),
    Float(Floats),
    Bool(Bools),
    Identifiers(Box<Identifiers>),
}

/// Named columns of equal length, in schema order.
pub type Table = Vec<(&'static str, Column)>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        let mut s = Strings::default();
        s.push(Some("ab"));
        s.push(None);
        s.push(Some("c"));
        assert_eq!(s.offsets, [0, 2, 2, 3]);
        assert_eq!((s.validity.bits[0], s.validity.nulls), (0b101, 1));
        let mut b = Bools::default();
        for v in [Some(true), Some(false), None, Some(true)] {
            b.push(v);
        }
        assert_eq!(b.values.bits[0], 0b1001);
        assert_eq!(b.validity.bits[0], 0b1011);
    }
}
