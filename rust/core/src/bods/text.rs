//! Numbers written the way the reference reader's messages write them.

/// Python's `format(v, "g")`: six significant digits, trailing zeros dropped, exponent form
/// below 1e-4 and from 1e6.
pub fn format_g(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.into();
    }
    if !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let sci = format!("{v:.5e}");
    let (mantissa, exp) = sci.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("an integer exponent");
    if (-4..6).contains(&exp) {
        let decimals = (5 - exp).max(0) as usize;
        trim(format!("{v:.decimals$}"))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa.to_owned()), exp.abs())
    }
}

fn trim(s: String) -> String {
    if !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::format_g;

    #[test]
    fn like_python() {
        for (v, want) in [
            (60.0, "60"),
            (0.5, "0.5"),
            (33.333333333, "33.3333"),
            (100.0, "100"),
            (1e-5, "1e-05"),
            (1234567.0, "1.23457e+06"),
            (0.0001, "0.0001"),
            (99.99999999, "100"),
        ] {
            assert_eq!(format_g(v), want, "{v}");
        }
    }
}
