use std::process::ExitCode;

use clap::Parser;

use sozialraum::cli::{Cli, Command};
use sozialraum::cmd;
use sozialraum::config::Config;
use sozialraum::read::isolate;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // Messages wrap on a terminal; for a script or a log they stay one line each.
    let _ = miette::set_hook(Box::new(|_| {
        use std::io::IsTerminal;
        Box::new(
            miette::MietteHandlerOpts::new()
                .wrap_lines(std::io::stderr().is_terminal())
                .build(),
        )
    }));
    let _ = ctrlc::set_handler(|| {
        sozialraum::interrupt::cleanup();
        std::process::exit(130);
    });
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> miette::Result<i32> {
    if let Command::Explain(args) = &cli.command {
        return cmd::explain::run(args, cli.lang);
    }
    let cfg = Config::load(cli.config.as_deref())?;
    match &cli.command {
        Command::Check(args) => cmd::check::run(args, &cfg, cli.lang, cli.config.as_deref()),
        Command::Consolidate(args) => {
            cmd::consolidate::run(args, &cfg, cli.lang, cli.config.as_deref())
        }
        Command::Audit(args) => cmd::audit::run(args, &cfg, cli.lang, cli.config.as_deref()),
        Command::Template(args) => cmd::template::run(args, &cfg, cli.lang),
        Command::CheckFile(args) => {
            std::panic::set_hook(Box::new(|_| {}));
            let annotate = args
                .annotate_out
                .clone()
                .map(|out| isolate::AnnotateTarget {
                    out,
                    check_date: args
                        .check_date
                        .unwrap_or_else(sozialraum::cmd::check::check_date),
                    replace: args.force,
                    only_submissions: args.only_submissions,
                });
            Ok(isolate::child_main(
                &args.path,
                &args.shown,
                &cfg,
                cli.lang,
                args.records,
                annotate,
            ))
        }
        Command::Explain(_) => Ok(0),
    }
}
