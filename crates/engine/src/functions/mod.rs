//! The KQL function library as DataFusion UDFs and UDAFs, one file a family.
//!
//! Most scalar functions share one shape: arguments arrive as arrays (a
//! constant is expanded to the batch length) and a kernel returns the result
//! array. [`KqlUdf`] wraps such a kernel; functions that carry constants of
//! their own (the terms of `has_any`, the operator of `has`) are their own
//! structs in their family's file.

pub(crate) mod aggregate;
pub(crate) mod arrays;
pub(crate) mod datetime;
pub(crate) mod dynamic;
pub(crate) mod expand;
pub(crate) mod library;
pub(crate) mod math;
pub(crate) mod net;
pub(crate) mod parse;
pub(crate) mod range;
pub(crate) mod series;
pub(crate) mod string;
pub(crate) mod text;

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::Expr;

/// A kernel: argument arrays (all of the batch's length) to a result array.
pub(crate) type Kernel = fn(&[ArrayRef]) -> Result<ArrayRef>;

/// A scalar UDF made of a name, a result type and a kernel.
#[derive(Debug)]
pub(crate) struct KqlUdf {
    name: &'static str,
    signature: Signature,
    return_type: DataType,
    kernel: Kernel,
}

impl KqlUdf {
    /// A call of the kernel `kernel`, named `name`, on `args`.
    pub(crate) fn call(
        name: &'static str,
        return_type: DataType,
        kernel: Kernel,
        args: Vec<Expr>,
    ) -> Expr {
        let udf = KqlUdf {
            name,
            signature: Signature::variadic_any(Volatility::Immutable),
            return_type,
            kernel,
        };
        ScalarUDF::new_from_impl(udf).call(args)
    }
}

impl PartialEq for KqlUdf {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.return_type == other.return_type
    }
}

impl Eq for KqlUdf {}

impl Hash for KqlUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.return_type.hash(state);
    }
}

impl ScalarUDFImpl for KqlUdf {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.return_type.clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        Ok(ColumnarValue::Array((self.kernel)(&arrays)?))
    }
}

/// Regular expressions compiled once per distinct pattern for one batch
/// (RE2 syntax, the `regex` crate: kql-semantics.md §4.6). An invalid
/// pattern, lookaround included, fails the query with the function's name.
pub(crate) struct RegexCache {
    func: &'static str,
    compiled: std::collections::HashMap<String, regex::Regex>,
}

impl RegexCache {
    pub(crate) fn new(func: &'static str) -> Self {
        RegexCache { func, compiled: std::collections::HashMap::new() }
    }

    /// The compiled `pattern`.
    pub(crate) fn get(&mut self, pattern: &str) -> Result<&regex::Regex> {
        if !self.compiled.contains_key(pattern) {
            let re = regex::Regex::new(pattern).map_err(|e| {
                datafusion::error::DataFusionError::Execution(format!(
                    "`{}`: invalid regular expression {pattern:?}: {e}",
                    self.func
                ))
            })?;
            self.compiled.insert(pattern.to_owned(), re);
        }
        Ok(&self.compiled[pattern])
    }
}

/// The arrays of a UDF call, for UDF structs with constants of their own.
pub(crate) fn arrays(args: &ScalarFunctionArgs) -> Result<Vec<ArrayRef>> {
    ColumnarValue::values_to_arrays(&args.args)
}

/// A UDF struct as a call expression.
pub(crate) fn call(udf: impl ScalarUDFImpl + 'static, args: Vec<Expr>) -> Expr {
    Arc::new(ScalarUDF::new_from_impl(udf)).call(args)
}
