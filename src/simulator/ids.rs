//! Deterministic ids, seeds and timestamps.
//!
//! Everything random in the simulator is drawn from seeded [`StdRng`]s so that a given `--seed`
//! replays the same ids, data and verdicts. Seeds are derived with FNV-1a and SplitMix64, which
//! (unlike the standard library's hasher) are fixed forever.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serializer;
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;
use uuid::Uuid;

/// A UUIDv4 drawn from `rng`.
pub(super) fn uuid(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// FNV-1a 64-bit hash of `bytes`: a stable way to turn a key or name into a seed.
pub(super) fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// SplitMix64 mixing of two values: derives a sub-seed from a seed and a discriminator.
pub(super) fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A generator seeded by `seed` and a stable discriminator.
pub(super) fn rng(seed: u64, what: u64) -> StdRng {
    StdRng::seed_from_u64(mix(seed, what))
}

const ISO: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// `t` as ISO-8601 UTC with milliseconds and `Z`, e.g. `2024-05-03T09:15:00.000Z`.
pub(super) fn iso(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(ISO)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
}

/// Truncates `t` to whole milliseconds, the precision the API shows.
pub(super) fn millis(t: OffsetDateTime) -> OffsetDateTime {
    let ms = t.millisecond();
    t.replace_millisecond(ms).unwrap_or(t)
}

/// `OffsetDateTime + seconds` (fractional), truncated to milliseconds.
pub(super) fn plus_secs(t: OffsetDateTime, secs: f64) -> OffsetDateTime {
    millis(t + time::Duration::seconds_f64(secs))
}

/// Serde helper: a timestamp in [`iso`] form.
pub(super) fn ser_ts<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&iso(*t))
}

/// Serde helper: an optional timestamp in [`iso`] form, or null.
pub(super) fn ser_opt_ts<S: Serializer>(
    t: &Option<OffsetDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&iso(*t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn uuids_are_v4_and_deterministic() {
        let a = uuid(&mut rng(42, 1));
        let b = uuid(&mut rng(42, 1));
        assert_eq!(a, b);
        assert_eq!(a.get_version_num(), 4);
        assert_ne!(a, uuid(&mut rng(43, 1)));
    }

    #[test]
    fn iso_has_millis_and_z() {
        let t = datetime!(2024-05-03 09:15:00.123456 UTC);
        assert_eq!(iso(t), "2024-05-03T09:15:00.123Z");
        assert_eq!(iso(plus_secs(t, 1.5)), "2024-05-03T09:15:01.623Z");
    }
}
