//! `ringside simulate`: a RevRing-compatible sandbox server.
