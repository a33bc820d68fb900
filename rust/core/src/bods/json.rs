//! JSON values read only as far as the BODS reader needs them, without a document tree.
//!
//! Every field of a statement is one of three wrappers, so that a value of the wrong type
//! never fails the parse (it becomes `Wrong`, and the reader names the statement and field):
//! [`Val`] for scalars, [`Obj`] for an object read into a typed struct, [`List`] for an
//! array of such objects. Strings without escapes are borrowed from the input.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A scalar field, or what stood where one was expected.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Val<'a> {
    /// The key was absent.
    #[default]
    Missing,
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Array,
    Object,
}

impl<'a> Val<'a> {
    /// The string, if this is one.
    pub fn str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is one (booleans are not numbers here).
    pub fn number(&self) -> Option<f64> {
        match *self {
            Val::Int(i) => Some(i as f64),
            Val::UInt(u) => Some(u as f64),
            Val::Float(f) => Some(f),
            _ => None,
        }
    }

    /// How Python's `repr` shows the value `json.loads` makes of it (messages quote values
    /// the way the caller's data looks in Python).
    pub fn repr(&self) -> String {
        match self {
            Val::Missing | Val::Null => "None".into(),
            Val::Bool(true) => "True".into(),
            Val::Bool(false) => "False".into(),
            Val::Int(i) => i.to_string(),
            Val::UInt(u) => u.to_string(),
            Val::Float(f) => python_float(*f),
            Val::Str(s) => python_str(s),
            Val::Array => "[...]".into(),
            Val::Object => "{...}".into(),
        }
    }

    /// Python's name of the type `json.loads` makes of it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Missing | Val::Null => "NoneType",
            Val::Bool(_) => "bool",
            Val::Int(_) | Val::UInt(_) => "int",
            Val::Float(_) => "float",
            Val::Str(_) => "str",
            Val::Array => "list",
            Val::Object => "dict",
        }
    }

    /// `str(value)` in Python, for the few fields the reader compares as text.
    pub fn python_text(&self) -> Cow<'_, str> {
        match self {
            Val::Str(s) => Cow::Borrowed(s),
            other => Cow::Owned(other.repr()),
        }
    }
}

fn python_float(f: f64) -> String {
    if f.is_finite() && f == f.trunc() && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f:?}")
    }
}

fn python_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Val<'de>, E> {
        Ok(Val::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Val<'de>, E> {
        Ok(Val::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Val<'de>, E> {
        Ok(Val::Float(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v)))
    }
    fn visit_unit<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_none<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Val::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Val::Object)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Val<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

/// An object read into `T`, or what stood where it was expected.
#[derive(Debug, Clone, Default)]
pub enum Obj<'a, T> {
    #[default]
    Missing,
    Null,
    Ok(T),
    /// Not an object: the value (arrays and objects without their contents).
    Wrong(Val<'a>),
}

#[cfg(test)]
impl<'a, T> Obj<'a, T> {
    pub fn get(&self) -> Option<&T> {
        match self {
            Obj::Ok(t) => Some(t),
            _ => None,
        }
    }
}

/// A visitor that takes a map into `T` and anything else as the [`Val`] it is.
struct ObjVisitor<T>(PhantomData<T>);

macro_rules! forward_scalars {
    ($wrap:path) => {
        fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
            Ok($wrap(Val::Bool(v)))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok($wrap(Val::Int(v)))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok($wrap(Val::UInt(v)))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            Ok($wrap(Val::Float(v)))
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok($wrap(Val::Str(Cow::Borrowed(v))))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok($wrap(Val::Str(Cow::Owned(v.to_owned()))))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok($wrap(Val::Str(Cow::Owned(v))))
        }
    };
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
    type Value = Obj<'de, T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    forward_scalars!(Obj::Wrong);
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Obj::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Obj::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Obj::Wrong(Val::Array))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Obj::Ok)
    }
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for Obj<'a, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjVisitor(PhantomData))
            .map(|o: Obj<'de, T>| o)
    }
}

/// An array of objects read into `T`, or what stood where it was expected.
#[derive(Debug, Clone, Default)]
pub enum List<'a, T> {
    #[default]
    Missing,
    Null,
    Ok(Vec<Obj<'a, T>>),
    Wrong(Val<'a>),
}

struct ListVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = List<'de, T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    forward_scalars!(List::Wrong);
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(List::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(List::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element::<Obj<'de, T>>()? {
            out.push(item);
        }
        Ok(List::Ok(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(List::Wrong(Val::Object))
    }
}

impl<'de: 'a, 'a, T: Deserialize<'de>> Deserialize<'de> for List<'a, T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor(PhantomData))
            .map(|l: List<'de, T>| l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Default, Debug)]
    #[serde(default)]
    struct Point<'a> {
        #[serde(borrow)]
        x: Val<'a>,
        #[serde(borrow)]
        inner: Obj<'a, Inner<'a>>,
        #[serde(borrow)]
        items: List<'a, Inner<'a>>,
    }

    #[derive(serde::Deserialize, Default, Debug)]
    #[serde(default)]
    struct Inner<'a> {
        #[serde(borrow)]
        y: Val<'a>,
    }

    #[test]
    fn wrong_types_are_kept_not_failed() {
        let p: Point =
            serde_json::from_str(r#"{"x": "a", "inner": "b", "items": [1, {"y": 2}]}"#).unwrap();
        assert_eq!(p.x, Val::Str(Cow::Borrowed("a")));
        assert!(matches!(p.inner, Obj::Wrong(Val::Str(_))));
        let List::Ok(items) = p.items else { panic!() };
        assert!(matches!(items[0], Obj::Wrong(Val::UInt(1))));
        assert_eq!(items[1].get().unwrap().y, Val::UInt(2));
        let p: Point = serde_json::from_str(r#"{"x": null, "items": {}}"#).unwrap();
        assert_eq!(p.x, Val::Null);
        assert!(matches!(p.inner, Obj::Missing));
        assert!(matches!(p.items, List::Wrong(Val::Object)));
    }

    #[test]
    fn escaped_strings_are_owned_and_repr_is_pythons() {
        let v: Val = serde_json::from_str(r#""it's \"x\"""#).unwrap();
        assert_eq!(v.str(), Some("it's \"x\""));
        assert_eq!(v.repr(), r#"'it\'s "x"'"#);
        assert_eq!(Val::Str("it's".into()).repr(), r#""it's""#);
        assert_eq!(Val::Float(150.0).repr(), "150.0");
        assert_eq!(Val::UInt(150).repr(), "150");
        assert_eq!(Val::Bool(true).repr(), "True");
    }
}
