//! KQL's scalar types, as the language names them.
//!
//! The binder reasons in these types; the engine chooses an Arrow encoding for
//! each. Nothing here knows about Arrow.

use std::fmt;

/// A KQL scalar type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KqlType {
    /// `bool` (alias `boolean`).
    Bool,
    /// `int`, 32-bit signed.
    Int,
    /// `long`, 64-bit signed; the type of integer literals.
    Long,
    /// `real` (alias `double`), 64-bit float.
    Real,
    /// `decimal`, 128-bit decimal.
    Decimal,
    /// `string`; never null, a missing string is `""`.
    String,
    /// `datetime` (alias `date`), an instant in 100 ns ticks, always UTC.
    Datetime,
    /// `timespan` (alias `time`).
    Timespan,
    /// `guid` (aliases `uuid`, `uniqueid`).
    Guid,
    /// `dynamic`: JSON-like values, arrays and property bags.
    Dynamic,
}

impl KqlType {
    /// Looks a type up by any of its KQL spellings (`long`, `double`, `date`, …).
    pub fn from_name(name: &str) -> Option<KqlType> {
        Some(match name {
            "bool" | "boolean" => KqlType::Bool,
            "int" => KqlType::Int,
            "long" => KqlType::Long,
            "real" | "double" => KqlType::Real,
            "decimal" => KqlType::Decimal,
            "string" => KqlType::String,
            "datetime" | "date" => KqlType::Datetime,
            "timespan" | "time" => KqlType::Timespan,
            "guid" | "uuid" | "uniqueid" => KqlType::Guid,
            "dynamic" => KqlType::Dynamic,
            _ => return None,
        })
    }

    /// The canonical KQL name (`real`, not `double`).
    pub fn name(self) -> &'static str {
        match self {
            KqlType::Bool => "bool",
            KqlType::Int => "int",
            KqlType::Long => "long",
            KqlType::Real => "real",
            KqlType::Decimal => "decimal",
            KqlType::String => "string",
            KqlType::Datetime => "datetime",
            KqlType::Timespan => "timespan",
            KqlType::Guid => "guid",
            KqlType::Dynamic => "dynamic",
        }
    }

    /// Whether values of this type are numbers (`int`, `long`, `real`, `decimal`).
    pub fn is_numeric(self) -> bool {
        matches!(self, KqlType::Int | KqlType::Long | KqlType::Real | KqlType::Decimal)
    }
}

impl fmt::Display for KqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
