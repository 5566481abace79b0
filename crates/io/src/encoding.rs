//! How KQL types are stored in Arrow (design.md §2).
//!
//! Every field carries its KQL type in its metadata under [`KQL_TYPE_KEY`],
//! because several KQL types share an Arrow type (`string`, `guid` and
//! `dynamic` are all Utf8; dynamic values are compact JSON text).

use std::collections::HashMap;

use calypso_syntax::KqlType;
use datafusion::arrow::datatypes::{DataType, Field, TimeUnit};

/// The field metadata key that holds a column's KQL type name.
pub const KQL_TYPE_KEY: &str = "kql.type";

/// The Arrow type that stores values of a KQL type.
pub fn arrow_type(ty: KqlType) -> DataType {
    match ty {
        KqlType::Bool => DataType::Boolean,
        KqlType::Int => DataType::Int32,
        KqlType::Long => DataType::Int64,
        KqlType::Real => DataType::Float64,
        KqlType::Decimal => DataType::Decimal128(38, 18),
        KqlType::String | KqlType::Guid | KqlType::Dynamic => DataType::Utf8,
        KqlType::Datetime => DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
        KqlType::Timespan => DataType::Duration(TimeUnit::Nanosecond),
    }
}

/// A nullable Arrow field for a KQL column, its type in the metadata.
pub fn field(name: &str, ty: KqlType) -> Field {
    Field::new(name, arrow_type(ty), true)
        .with_metadata(HashMap::from([(KQL_TYPE_KEY.to_owned(), ty.name().to_owned())]))
}
