//! The REPL's dot commands: parsed here, carried out by the REPL.

use std::path::PathBuf;

use crate::Format;

/// A dot command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    Help,
    Tables,
    Schema(Option<String>),
    Load {
        path: String,
        name: Option<String>,
    },
    /// `None` shows the setting; `Some(None)` unpins; `Some(Some(t))` pins.
    Now(Option<Option<String>>),
    Format(Format),
    Timer(bool),
    /// `None` is standard output.
    Output(Option<PathBuf>),
    Read(PathBuf),
    Quit,
}

/// Every command with its arguments and what it does, for `.help` and for
/// suggestions.
pub(crate) const COMMANDS: [(&str, &str, &str); 11] = [
    (".help", "", "this list"),
    (".tables", "", "the loaded tables, with their row and column counts"),
    (".schema", "[TABLE]", "the columns and types of a table, or of every table"),
    (".load", "PATH [as NAME]", "load a file, folder or glob pattern as tables"),
    (".now", "[DATETIME|off]", "pin now() and ago() to an instant, or unpin them"),
    (".format", "table|csv|json|jsonl", "how results are printed"),
    (".timer", "on|off", "show how long each query took"),
    (".output", "FILE|-", "write results to a file, or back to the terminal"),
    (".read", "FILE.kql", "run the query in a file"),
    (".quit", "", "leave (also .exit, Ctrl-D)"),
    (".exit", "", "leave"),
];

/// Parses one line that starts with `.`; the error says what is wrong in
/// words the user can act on.
pub(crate) fn parse(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let name = words.next().unwrap_or_default();
    let args: Vec<&str> = words.collect();
    let usage = |name: &str| {
        let (_, args, _) = COMMANDS.iter().find(|(n, _, _)| *n == name).expect("a known command");
        if args.is_empty() {
            format!("usage: {name} (no arguments)")
        } else {
            format!("usage: {name} {args}")
        }
    };
    let no_args = |cmd: Command| if args.is_empty() { Ok(cmd) } else { Err(usage(name)) };
    match name {
        ".help" => no_args(Command::Help),
        ".tables" => no_args(Command::Tables),
        ".quit" | ".exit" => no_args(Command::Quit),
        ".schema" => match args.as_slice() {
            [] => Ok(Command::Schema(None)),
            [table] => Ok(Command::Schema(Some((*table).to_owned()))),
            _ => Err(usage(name)),
        },
        ".load" => match args.as_slice() {
            [path] => Ok(Command::Load { path: (*path).to_owned(), name: None }),
            [path, kw, table] if kw.eq_ignore_ascii_case("as") => {
                Ok(Command::Load { path: (*path).to_owned(), name: Some((*table).to_owned()) })
            }
            _ => Err(usage(name)),
        },
        ".now" => match args.as_slice() {
            [] => Ok(Command::Now(None)),
            ["off"] => Ok(Command::Now(Some(None))),
            [t] => Ok(Command::Now(Some(Some((*t).to_owned())))),
            _ => Err(usage(name)),
        },
        ".format" => match args.as_slice() {
            ["table"] => Ok(Command::Format(Format::Table)),
            ["csv"] => Ok(Command::Format(Format::Csv)),
            ["json"] => Ok(Command::Format(Format::Json)),
            ["jsonl"] => Ok(Command::Format(Format::Jsonl)),
            _ => Err(usage(name)),
        },
        ".timer" => match args.as_slice() {
            ["on"] => Ok(Command::Timer(true)),
            ["off"] => Ok(Command::Timer(false)),
            _ => Err(usage(name)),
        },
        ".output" => match args.as_slice() {
            ["-"] => Ok(Command::Output(None)),
            [file] => Ok(Command::Output(Some(PathBuf::from(file)))),
            _ => Err(usage(name)),
        },
        ".read" => match args.as_slice() {
            [file] => Ok(Command::Read(PathBuf::from(file))),
            _ => Err(usage(name)),
        },
        _ => Err(unknown(name)),
    }
}

fn unknown(name: &str) -> String {
    match calypso_syntax::closest(name, COMMANDS.iter().map(|(n, _, _)| *n)) {
        Some(n) => format!("unknown command `{name}`: did you mean `{n}`? (.help lists them)"),
        None => format!("unknown command `{name}` (.help lists them)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_their_arguments() {
        assert_eq!(parse(".tables"), Ok(Command::Tables));
        assert_eq!(parse(".schema SigninLogs"), Ok(Command::Schema(Some("SigninLogs".into()))));
        assert_eq!(
            parse(".load dumps/x.jsonl as T"),
            Ok(Command::Load { path: "dumps/x.jsonl".into(), name: Some("T".into()) })
        );
        assert_eq!(parse(".now off"), Ok(Command::Now(Some(None))));
        assert_eq!(
            parse(".now 2026-12-03T12:00:00Z"),
            Ok(Command::Now(Some(Some("2026-12-03T12:00:00Z".into()))))
        );
        assert_eq!(parse(".format jsonl"), Ok(Command::Format(Format::Jsonl)));
        assert_eq!(parse(".output -"), Ok(Command::Output(None)));
        assert_eq!(parse(".exit"), Ok(Command::Quit));
    }

    #[test]
    fn mistakes_say_what_to_type() {
        assert_eq!(parse(".format xml"), Err("usage: .format table|csv|json|jsonl".into()));
        assert_eq!(parse(".tables x"), Err("usage: .tables (no arguments)".into()));
        assert_eq!(
            parse(".tabels"),
            Err("unknown command `.tabels`: did you mean `.tables`? (.help lists them)".into())
        );
        assert_eq!(parse(".zzz"), Err("unknown command `.zzz` (.help lists them)".into()));
    }
}
