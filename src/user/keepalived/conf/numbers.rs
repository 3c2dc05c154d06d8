//! Numbers in keepalived.conf as lib/parser.c reads them (read_unsigned_func,
//! read_int_func, read_decimal_unsigned_long_func), with their messages. Where keepalived
//! is told to be lenient (`ignore_error`), a running daemon prefixes `WARNING - ` and may
//! still use a value whose digits parsed; `keepalived -t` never does.

/// How a number was read: the value to use (if any) and the message keepalived reports.
#[derive(Debug, PartialEq)]
pub struct Read<T> {
    pub value: Option<T>,
    pub message: Option<String>,
}

/// strtoul/strtol's reading: leading digits (with a sign for signed), then what is left.
fn leading(text: &str, signed: bool) -> (i128, bool, &str) {
    let t = text.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') if signed => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let mut v: i128 = 0;
    let mut overflow = false;
    for b in digits[..end].bytes() {
        v = v * 10 + i128::from(b - b'0');
        if v > u64::MAX as i128 {
            overflow = true;
            v = u64::MAX as i128;
        }
    }
    (if neg { -v } else { v }, overflow, &digits[end..])
}

fn warn(lenient: bool, test: bool) -> &'static str {
    if lenient && !test {
        "WARNING - "
    } else {
        ""
    }
}

/// read_unsigned_strvec(strvec, i, &v, min, max, lenient).
pub fn unsigned(text: &str, min: u32, max: u32, lenient: bool, test: bool) -> Read<u32> {
    let w = warn(lenient, test);
    let (v, overflow, rest) = leading(text, false);
    let in_range = v >= i128::from(min) && v <= i128::from(max);
    let message = if text.trim_start().starts_with('-') {
        Some(format!("{w}negative number '{text}'"))
    } else if !rest.is_empty() || text.trim().is_empty() {
        Some(format!("{w}invalid number '{text}'"))
    } else if overflow || v > i128::from(u32::MAX) {
        Some(format!("{w}number '{text}' outside unsigned integer range"))
    } else if !in_range {
        Some(format!("{w}number '{text}' outside range [{min}, {max}]"))
    } else {
        None
    };
    let usable =
        message.is_none() || (lenient && in_range && !test && !text.trim_start().starts_with('-'));
    Read {
        value: usable.then_some(v as u32),
        message,
    }
}

/// read_int_strvec(strvec, i, &v, min, max, lenient).
pub fn int(text: &str, min: i32, max: i32, lenient: bool, test: bool) -> Read<i32> {
    let w = warn(lenient, test);
    let (v, overflow, rest) = leading(text, true);
    let in_range = v >= i128::from(min) && v <= i128::from(max);
    let message = if !rest.is_empty() || text.trim().is_empty() {
        Some(format!("{w}invalid number '{text}'"))
    } else if overflow || v < i128::from(i32::MIN) || v > i128::from(i32::MAX) {
        Some(format!("{w}number '{text}' outside integer range"))
    } else if !in_range {
        Some(format!("number '{text}' outside range [{min}, {max}]"))
    } else {
        None
    };
    let usable = message.is_none() || (lenient && in_range && !test);
    Read {
        value: usable.then_some(v as i32),
        message,
    }
}

/// read_decimal_unsigned: `1.5` seconds as microseconds (shift 6), with at most `shift`
/// decimal places.
pub fn decimal(text: &str, min: u64, max: u64, shift: u32, lenient: bool, test: bool) -> Read<u64> {
    let w = warn(lenient, test);
    if text.starts_with('-') {
        return Read {
            value: None,
            message: Some(format!("{w}negative number '{text}'")),
        };
    }
    let (int_part, frac) = text.split_once('.').unwrap_or((text, ""));
    let mut message = None;
    let mut frac = frac.to_string();
    let mut round_up = false;
    if frac.len() > shift as usize {
        message = Some(format!("{w}number '{text}' has too many decimal places"));
        round_up = frac.as_bytes()[shift as usize] >= b'5';
        frac.truncate(shift as usize);
    }
    while frac.len() < shift as usize {
        frac.push('0');
    }
    let digits = format!("{int_part}{frac}");
    let valid = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let scale = 10u64.pow(shift);
    let parsed = digits.parse::<u64>().ok().map(|v| v + u64::from(round_up));
    let (value, msg) = match (valid, parsed) {
        (false, _) => (None, Some(format!("{w}invalid number '{text}'"))),
        (true, None) => (
            None,
            Some(format!("{w}number '{text}' outside unsigned decimal range")),
        ),
        (true, Some(v)) if v < min || v > max => {
            let s = shift as usize;
            let m = format!(
                "{w}number '{text}' outside range [{}.{:0s$}, {}.{:0s$}]",
                min / scale,
                min % scale,
                max / scale,
                max % scale
            );
            (None, Some(m))
        }
        (true, Some(v)) => (Some(v), None),
    };
    let message = message.or(msg);
    let value = match value {
        Some(v) if message.is_none() || lenient => Some(v),
        _ => None,
    };
    Read { value, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_numbers_and_their_messages() {
        assert_eq!(unsigned("51", 1, 255, false, true).value, Some(51));
        let r = unsigned("256", 1, 255, false, true);
        assert_eq!(
            (r.value, r.message.as_deref()),
            (None, Some("number '256' outside range [1, 255]"))
        );
        let r = unsigned("0", 1, 255, false, false);
        assert_eq!(
            r.message.as_deref(),
            Some("number '0' outside range [1, 255]")
        );
        let r = unsigned("-3", 0, 10, true, false);
        assert_eq!(r.message.as_deref(), Some("WARNING - negative number '-3'"));
        let r = unsigned("12abc", 0, 100, true, false);
        assert_eq!(
            (r.value, r.message.as_deref()),
            (Some(12), Some("WARNING - invalid number '12abc'"))
        );
        let r = unsigned("12abc", 0, 100, true, true);
        assert_eq!(
            (r.value, r.message.as_deref()),
            (None, Some("invalid number '12abc'"))
        );
        let r = unsigned("99999999999", 0, 100, false, true);
        assert_eq!(
            r.message.as_deref(),
            Some("number '99999999999' outside unsigned integer range")
        );
    }

    #[test]
    fn ints_and_decimals() {
        assert_eq!(int("-20", -254, 254, false, true).value, Some(-20));
        assert_eq!(
            decimal("1", 10_000, 255_000_000, 6, true, true).value,
            Some(1_000_000)
        );
        assert_eq!(
            decimal("0.5", 10_000, 255_000_000, 6, true, true).value,
            Some(500_000)
        );
        let r = decimal("300", 10_000, 255_000_000, 6, true, true);
        assert_eq!(
            r.message.as_deref(),
            Some("number '300' outside range [0.010000, 255.000000]")
        );
        let r = decimal("x", 0, 10, 6, true, false);
        assert_eq!(r.message.as_deref(), Some("WARNING - invalid number 'x'"));
    }
}
