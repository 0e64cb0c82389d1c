//! How RevRing's vocabularies are stored: a run's status, an attempt's verdict and a call's status
//! live in `text` columns in RevRing's spelling and come back as the typed enums of
//! [`crate::revring`], so no query result is matched as a string above this layer.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};

use crate::revring::{AttemptResult, CallStatus, RunStatus};

/// Maps an enum with `as_str` and `from_api` to a `text` column.
macro_rules! text_column {
    ($name:ty) => {
        impl Type<Postgres> for $name {
            fn type_info() -> PgTypeInfo {
                <&str as Type<Postgres>>::type_info()
            }

            fn compatible(ty: &PgTypeInfo) -> bool {
                <&str as Type<Postgres>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Postgres> for $name {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok(<$name>::from_api(<&str as Decode<Postgres>>::decode(
                    value,
                )?))
            }
        }

        impl Encode<'_, Postgres> for $name {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Postgres>>::encode(self.as_str(), buf)
            }
        }
    };
}

text_column!(RunStatus);
text_column!(AttemptResult);
text_column!(CallStatus);
