//! RevRing API client (see `../shared/revring-api.md`).
