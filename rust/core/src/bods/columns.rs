//! Arrow-layout column builders: the reader's tables leave the core as Arrow buffers
//! (validity bitmaps, i32 offsets: the tables' `string` type), ready to be wrapped without
//! a copy. A table whose texts pass 2 GiB leaves as several chunks (see `build`).

/// A validity bitmap (bit set: a value).
#[derive(Default, Debug)]
pub struct Validity {
    pub bits: Vec<u8>,
    pub len: usize,
    pub nulls: usize,
}

impl Validity {
    /// Room for `factor` times what is held, once (see `build`: the tables' final size
    /// estimated from the first wave, so that each buffer is mapped once at about its size).
    pub fn grow_to(&mut self, factor: f64) {
        reserve(&mut self.bits, factor);
    }

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

    /// Appends `other`'s bits after these (bits past a bitmap's length are always 0).
    pub fn append(&mut self, other: &Validity) {
        let shift = self.len % 8;
        if shift == 0 {
            self.bits.extend_from_slice(&other.bits);
        } else {
            for &b in &other.bits {
                *self.bits.last_mut().expect("a partial byte") |= b << shift;
                self.bits.push(b >> (8 - shift));
            }
        }
        self.len += other.len;
        self.nulls += other.nulls;
        self.bits.truncate(self.len.div_ceil(8));
    }
}

/// Room for `factor` times `v`'s length, if the system gives it: an estimate, so a refusal
/// (an input sorted by record type misleads it) leaves the buffer to grow as it goes.
fn reserve<T>(v: &mut Vec<T>, factor: f64) {
    let want = (v.len() as f64 * factor) as usize;
    let _ = v.try_reserve(want.saturating_sub(v.len()));
}

/// The most text an i32-offset column holds.
pub const MAX_TEXT: usize = i32::MAX as usize;

#[derive(Debug)]
pub struct Strings {
    pub offsets: Vec<i32>,
    pub data: Vec<u8>,
    pub validity: Validity,
    /// More than [`MAX_TEXT`] was pushed: the offsets are wrong and the column unusable.
    pub overflowed: bool,
}

impl Default for Strings {
    fn default() -> Self {
        Strings {
            offsets: vec![0],
            data: Vec::new(),
            validity: Validity::default(),
            overflowed: false,
        }
    }
}

impl Strings {
    /// Room for `factor` times what is held, once (see `build`: the tables' final size
    /// estimated from the first wave, so that each buffer is mapped once at about its size).
    pub fn grow_to(&mut self, factor: f64) {
        reserve(&mut self.offsets, factor);
        reserve(&mut self.data, factor);
        self.validity.grow_to(factor);
    }

    pub fn push(&mut self, value: Option<&str>) {
        if let Some(v) = value {
            self.data.extend_from_slice(v.as_bytes());
        }
        let end = i32::try_from(self.data.len()).unwrap_or_else(|_| {
            self.overflowed = true;
            i32::MAX
        });
        self.offsets.push(end);
        self.validity.push(value.is_some());
    }

    pub fn text_bytes(&self) -> usize {
        self.data.len()
    }

    pub fn len(&self) -> usize {
        self.validity.len
    }

    /// Appends `other` (the two hold at most [`MAX_TEXT`] together: chunks are cut so).
    pub fn append(&mut self, other: &Strings) {
        let base = *self.offsets.last().expect("offsets start at 0");
        self.data.extend_from_slice(&other.data);
        self.offsets
            .extend(other.offsets[1..].iter().map(|&o| o + base));
        self.validity.append(&other.validity);
        self.overflowed |= other.overflowed || self.data.len() > MAX_TEXT;
    }

    pub fn is_empty(&self) -> bool {
        self.validity.len == 0
    }

    pub fn overflowed(&self) -> bool {
        self.overflowed
    }
}

#[derive(Default, Debug)]
pub struct Floats {
    pub values: Vec<f64>,
    pub validity: Validity,
}

impl Floats {
    /// Room for `factor` times what is held, once (see `build`: the tables' final size
    /// estimated from the first wave, so that each buffer is mapped once at about its size).
    pub fn grow_to(&mut self, factor: f64) {
        reserve(&mut self.values, factor);
        self.validity.grow_to(factor);
    }

    pub fn push(&mut self, value: Option<f64>) {
        self.values.push(value.unwrap_or(0.0));
        self.validity.push(value.is_some());
    }

    pub fn append(&mut self, other: &Floats) {
        self.values.extend_from_slice(&other.values);
        self.validity.append(&other.validity);
    }

    pub fn text_bytes(&self) -> usize {
        0
    }

    pub fn overflowed(&self) -> bool {
        false
    }
}

#[derive(Default, Debug)]
pub struct Bools {
    /// Bit-packed values.
    pub values: Validity,
    pub validity: Validity,
}

impl Bools {
    /// Room for `factor` times what is held, once (see `build`: the tables' final size
    /// estimated from the first wave, so that each buffer is mapped once at about its size).
    pub fn grow_to(&mut self, factor: f64) {
        self.values.grow_to(factor);
        self.validity.grow_to(factor);
    }

    pub fn push(&mut self, value: Option<bool>) {
        self.values.push(value == Some(true));
        self.validity.push(value.is_some());
    }

    pub fn append(&mut self, other: &Bools) {
        self.values.append(&other.values);
        self.validity.append(&other.validity);
    }

    pub fn text_bytes(&self) -> usize {
        0
    }

    pub fn overflowed(&self) -> bool {
        false
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
    /// Room for `factor` times what is held, once (see `build`: the tables' final size
    /// estimated from the first wave, so that each buffer is mapped once at about its size).
    pub fn grow_to(&mut self, factor: f64) {
        reserve(&mut self.offsets, factor);
        for field in &mut self.fields {
            field.grow_to(factor);
        }
    }

    pub fn push(&mut self, item: [Option<&str>; 4]) {
        for (field, value) in self.fields.iter_mut().zip(item) {
            field.push(value);
        }
    }

    /// Ends the current row's list.
    pub fn end_row(&mut self) {
        self.offsets.push(self.fields[0].len() as i32);
    }

    pub fn append(&mut self, other: &Identifiers) {
        let base = self.fields[0].len() as i32;
        self.offsets
            .extend(other.offsets[1..].iter().map(|&o| o + base));
        for (mine, theirs) in self.fields.iter_mut().zip(&other.fields) {
            mine.append(theirs);
        }
    }

    pub fn text_bytes(&self) -> usize {
        self.fields.iter().map(Strings::text_bytes).sum()
    }

    pub fn overflowed(&self) -> bool {
        self.fields.iter().any(Strings::overflowed)
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

    #[test]
    fn appends_equal_pushes() {
        // Every split of a column into two appended halves gives the pushed layout.
        let values: Vec<Option<&str>> = (0..21)
            .map(|i| (i % 3 != 0).then_some(["a", "bc", ""][i % 3]))
            .collect();
        let mut whole = Strings::default();
        values.iter().for_each(|&v| whole.push(v));
        for cut in 0..=values.len() {
            let (mut a, mut b) = (Strings::default(), Strings::default());
            values[..cut].iter().for_each(|&v| a.push(v));
            values[cut..].iter().for_each(|&v| b.push(v));
            a.append(&b);
            assert_eq!(a.offsets, whole.offsets, "cut {cut}");
            assert_eq!(a.data, whole.data);
            assert_eq!(a.validity.bits, whole.validity.bits, "cut {cut}");
            assert_eq!(
                (a.validity.len, a.validity.nulls),
                (21, whole.validity.nulls)
            );
        }
        let flags: Vec<Option<bool>> = (0..19)
            .map(|i| [Some(true), None, Some(false)][i % 3])
            .collect();
        let mut whole = Bools::default();
        flags.iter().for_each(|&v| whole.push(v));
        for cut in 0..=flags.len() {
            let (mut a, mut b) = (Bools::default(), Bools::default());
            flags[..cut].iter().for_each(|&v| a.push(v));
            flags[cut..].iter().for_each(|&v| b.push(v));
            a.append(&b);
            assert_eq!(a.values.bits, whole.values.bits, "cut {cut}");
            assert_eq!(a.validity.bits, whole.validity.bits, "cut {cut}");
        }
        let mut ids = Identifiers::default();
        ids.push([Some("s"), None, Some("1"), None]);
        ids.end_row();
        let mut more = Identifiers::default();
        more.end_row();
        more.push([Some("t"), None, Some("2"), None]);
        more.push([Some("u"), None, Some("3"), None]);
        more.end_row();
        ids.append(&more);
        assert_eq!(ids.offsets, [0, 1, 1, 3]);
        assert_eq!(ids.fields[2].data, b"123");
    }
}
