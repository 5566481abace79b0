//! User functions: `let f = (params) { body }` and `view () { body }`,
//! expanded where they are called (kql-semantics.md §2.2, §3.25).
//!
//! A call binds each argument in the caller's scope, then the body with the
//! scalar parameters in a scope that wins over columns and the tabular ones
//! as tabular `let`s; the body's own `let`s end with it. `T | invoke f(x)`
//! is `f(T, x)`.

use std::rc::Rc;

use calypso_syntax::ast::{self, ExprKind, FunctionDef, ParamType, StatementKind};
use calypso_syntax::{KqlType, Span};

use crate::bind::{Binder, LetValue};
use crate::plan::{Expr, Plan};
use crate::{BindError, Column};

/// How deep calls may nest (a function calling itself would not end).
const MAX_DEPTH: usize = 32;

/// What a call returns.
pub(crate) enum Called {
    Scalar(Expr),
    Tabular(Box<Plan>),
}

impl Binder<'_> {
    /// The user function `name` in scope, if there is one: a `let` of the
    /// query, or else a function of the workspace.
    pub(crate) fn user_function(&self, name: &str) -> Option<Rc<FunctionDef>> {
        match self.lookup_let(name) {
            Some(LetValue::Function(def)) => Some(def.clone()),
            Some(_) => None,
            None => self.catalog.function_definition(name).map(Rc::new),
        }
    }

    /// Calls `def` with `args` (after `piped`, for `invoke`).
    pub(crate) fn call_function(
        &mut self,
        def: &FunctionDef,
        func: &ast::Ident,
        args: &[ast::Expr],
        piped: Option<Plan>,
        columns: &[Column],
        span: Span,
    ) -> Result<Called, BindError> {
        if self.call_depth >= MAX_DEPTH {
            return Err(BindError::invalid(
                format!("calls of `{}` nest more than {MAX_DEPTH} deep", func.name),
                span,
                "too deep",
            ));
        }
        // Positional arguments first, then named ones, then defaults.
        let mut given: Vec<Option<&ast::Expr>> = vec![None; def.params.len()];
        let offset = usize::from(piped.is_some());
        let mut positional = 0;
        for arg in args {
            if let ExprKind::NamedArg { name, value } = &arg.kind {
                let Some(i) = def.params.iter().position(|p| p.name.name == name.name) else {
                    return Err(BindError::invalid(
                        format!("`{}` has no parameter `{}`", func.name, name.name),
                        name.span,
                        "no such parameter",
                    ));
                };
                given[i] = Some(value);
            } else {
                let i = offset + positional;
                if i >= def.params.len() {
                    return Err(too_many(func, def, args.len() + offset, span));
                }
                given[i] = Some(arg);
                positional += 1;
            }
        }

        let mut scalars = Vec::new();
        let mut tables = Vec::new();
        let mut piped = piped;
        for (i, param) in def.params.iter().enumerate() {
            match &param.ty {
                ParamType::Tabular { columns: required, .. } => {
                    let plan = match (i, piped.take(), given[i]) {
                        (0, Some(plan), _) => plan,
                        (_, _, Some(arg)) => self.tabular(arg)?,
                        _ => return Err(missing(func, &param.name, span)),
                    };
                    for col in required {
                        if !plan.schema.iter().any(|c| c.name == col.name.name) {
                            return Err(BindError::invalid(
                                format!(
                                    "the table passed as `{}` has no column `{}`",
                                    param.name.name, col.name.name
                                ),
                                span,
                                "missing column",
                            ));
                        }
                    }
                    tables.push((param.name.name.clone(), LetValue::Tabular(Box::new(plan))));
                }
                ParamType::Scalar(ty) => {
                    let value = match (given[i], &param.default) {
                        (Some(arg), _) => self.scalar(arg, columns)?,
                        (None, Some(default)) => self.scalar(default, &[])?,
                        (None, None) => return Err(missing(func, &param.name, span)),
                    };
                    let fits = value.ty == *ty
                        || matches!(
                            value.kind,
                            crate::plan::ExprKind::Literal(crate::plan::Value::Null)
                        )
                        || (value.ty.is_numeric() && ty.is_numeric())
                        || *ty == KqlType::Dynamic;
                    if !fits {
                        return Err(BindError::types(
                            format!(
                                "`{}` expects a {ty} for `{}`, not a {}",
                                func.name, param.name.name, value.ty
                            ),
                            value.span,
                            value.ty.to_string(),
                        ));
                    }
                    scalars.push((param.name.name.clone(), value));
                }
            }
        }

        // A workspace function's body is in another file: its errors are
        // reported at the call, saying which function they are in.
        let workspace = self.lookup_let(&func.name).is_none();
        let (lets_before, params_before) = (self.lets.len(), self.params.len());
        self.lets.extend(tables);
        self.params.extend(scalars);
        self.call_depth += 1;
        let result = self.function_body(def, columns);
        self.call_depth -= 1;
        self.lets.truncate(lets_before);
        self.params.truncate(params_before);
        result.map_err(|e| {
            if workspace {
                BindError::InFunction { func: func.name.clone(), span, inner: Box::new(e) }
            } else {
                e
            }
        })
    }

    fn function_body(
        &mut self,
        def: &FunctionDef,
        columns: &[Column],
    ) -> Result<Called, BindError> {
        let (last, lets) = def.body.split_last().expect("the parser requires a body");
        for statement in lets {
            self.statement_let(statement)?;
        }
        let StatementKind::Query(value) = &last.kind else {
            return Err(BindError::invalid(
                "a function's body must end with an expression",
                last.span,
                "not an expression",
            ));
        };
        if self.is_tabular(value) {
            Ok(Called::Tabular(Box::new(self.tabular(value)?)))
        } else {
            Ok(Called::Scalar(self.scalar(value, columns)?))
        }
    }

    /// Whether calling `def` gives a table.
    pub(crate) fn returns_table(&self, def: &FunctionDef) -> bool {
        let Some(StatementKind::Query(value)) = def.body.last().map(|s| &s.kind) else {
            return false;
        };
        let depth = self.probe_depth.get();
        if depth >= MAX_DEPTH {
            return false;
        }
        self.probe_depth.set(depth + 1);
        let tabular = self.body_is_tabular(def, value);
        self.probe_depth.set(depth);
        tabular
    }

    fn body_is_tabular(&self, def: &FunctionDef, value: &ast::Expr) -> bool {
        let tabular_param = |name: &str| {
            def.params
                .iter()
                .any(|p| p.name.name == name && matches!(p.ty, ParamType::Tabular { .. }))
        };
        let mut e = value;
        while let ExprKind::Pipe { input, .. } = &e.kind {
            e = input;
        }
        match &e.kind {
            ExprKind::Name(n) if tabular_param(&n.name) => true,
            // A name the body's own `let` binds (`let events = T | ...;
            // events`): what that `let` binds.
            ExprKind::Name(n) => match body_let(def, &n.name) {
                Some(bound) if !std::ptr::eq(bound, value) => self.body_is_tabular(def, bound),
                _ => self.is_tabular(value),
            },
            _ => self.is_tabular(value),
        }
    }
}

/// The value the last of the body's `let`s of `name` binds.
fn body_let<'a>(def: &'a FunctionDef, name: &str) -> Option<&'a ast::Expr> {
    let lets = &def.body[..def.body.len().saturating_sub(1)];
    lets.iter().rev().find_map(|statement| match &statement.kind {
        StatementKind::Let { name: n, value } if n.name == name => Some(value),
        _ => None,
    })
}

fn missing(func: &ast::Ident, param: &ast::Ident, span: Span) -> BindError {
    BindError::invalid(
        format!("`{}` needs a value for `{}`", func.name, param.name),
        span,
        "argument missing",
    )
}

fn too_many(func: &ast::Ident, def: &FunctionDef, found: usize, span: Span) -> BindError {
    BindError::ArgumentCount {
        func: func.name.clone(),
        expected: format!("at most {} arguments", def.params.len()),
        found,
        span,
    }
}
