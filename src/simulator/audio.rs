//! Call recordings: small, real WAV files generated in code.
//!
//! A recording is a ring-back tone followed by alternating "voices" (pitched, syllable-modulated
//! tones with pauses), 16-bit PCM mono at 8 kHz. It is a stand-in for a real call recording that
//! any audio player accepts.

use std::f64::consts::TAU;

/// Sample rate of recordings, in Hz (telephone quality).
pub(super) const SAMPLE_RATE: u32 = 8_000;
/// Length of a recording, in seconds; kept short so a file stays under 64 KiB.
pub(super) const RECORDING_SECS: f64 = 3.5;
/// Peak amplitude of the generated signal (of 32767).
const AMPLITUDE: f64 = 9_000.0;

/// A WAV file (RIFF header + PCM) of [`RECORDING_SECS`], varied by `seed` and `turns`.
pub(super) fn recording(seed: u64, turns: usize) -> Vec<u8> {
    let samples = synthesize(seed, turns.max(2));
    wav(&samples)
}

fn synthesize(seed: u64, turns: usize) -> Vec<i16> {
    let total = (RECORDING_SECS * f64::from(SAMPLE_RATE)) as usize;
    let rate = f64::from(SAMPLE_RATE);
    let ring_end = (0.8 * rate) as usize;
    let silence_end = (1.0 * rate) as usize;
    let speech = total - silence_end;
    let per_turn = speech / turns;
    // Two voices, slightly different per call: the agent higher, the caller lower.
    let agent_hz = 190.0 + (seed % 40) as f64;
    let caller_hz = 120.0 + ((seed >> 8) % 30) as f64;
    let syllable_hz = 4.0 + ((seed >> 16) % 3) as f64;
    (0..total)
        .map(|i| {
            let t = i as f64 / rate;
            let value = if i < ring_end {
                // North American ring-back: 440 Hz + 480 Hz.
                0.5 * ((TAU * 440.0 * t).sin() + (TAU * 480.0 * t).sin())
            } else if i < silence_end {
                0.0
            } else {
                let k = i - silence_end;
                let turn = k / per_turn;
                let within = (k % per_turn) as f64 / per_turn as f64;
                if within > 0.8 {
                    0.0 // the pause between two speakers
                } else {
                    let f0 = if turn.is_multiple_of(2) {
                        agent_hz
                    } else {
                        caller_hz
                    };
                    let envelope = (TAU * syllable_hz * t).sin().abs();
                    let voice = (TAU * f0 * t).sin()
                        + 0.5 * (TAU * 2.0 * f0 * t).sin()
                        + 0.25 * (TAU * 3.0 * f0 * t).sin();
                    envelope * voice / 1.75
                }
            };
            (value * AMPLITUDE) as i16
        })
        .collect()
}

fn wav(samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_describes_the_data() {
        let w = recording(42, 8);
        assert_eq!(&w[0..4], b"RIFF");
        assert_eq!(&w[8..16], b"WAVEfmt ");
        assert_eq!(
            u32::from_le_bytes([w[24], w[25], w[26], w[27]]),
            SAMPLE_RATE
        );
        let data_len = u32::from_le_bytes([w[40], w[41], w[42], w[43]]) as usize;
        assert_eq!(w.len(), 44 + data_len);
        assert_eq!(
            data_len,
            (RECORDING_SECS * f64::from(SAMPLE_RATE)) as usize * 2
        );
        assert!(w.len() < 64 * 1024);
    }

    #[test]
    fn not_silent_and_deterministic() {
        let a = recording(1, 6);
        assert_eq!(a, recording(1, 6));
        assert_ne!(a, recording(2, 6));
        assert!(a[44..].iter().any(|b| *b != 0));
    }
}
