use std::process::ExitCode;

use clap::FromArgMatches;

use sozialraum::cli::{self, Cli, Command};
use sozialraum::cmd;
use sozialraum::worker;

fn main() -> ExitCode {
    // `sozialraum check … | head` ends quietly when the reader stops, as Unix
    // tools do, instead of panicking on the closed pipe.
    #[cfg(unix)]
    // SAFETY: resetting a signal disposition at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = cli::lang_of_args(&args);
    let mut command = cli::command(lang);
    if lang == sozialraum::i18n::Lang::De {
        cli::german_usage(&mut command);
    }
    let parsed = command
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help and --version: clap's own output (German through `cli::command`).
            let _ = e.print();
            return ExitCode::from(0);
        }
        Err(e) => {
            eprint!("{}", cli::error_text(&e, lang));
            return ExitCode::from(2);
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
    // SIGINT, and with ctrlc's `termination` feature SIGTERM and SIGHUP too.
    // The portal stops on its own: it finishes the running requests first.
    if !matches!(cli.command, Command::Serve(_)) {
        let _ = ctrlc::set_handler(|| {
            sozialraum::interrupt::cleanup();
            std::process::exit(130);
        });
    }
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
    let cfg = sozialraum::registry::load_config(cli.config.as_deref(), cli.lang)?;
    match &cli.command {
        Command::Check(args) => cmd::check::run(args, &cfg, cli.lang, cli.config.as_deref()),
        Command::Consolidate(args) => {
            cmd::consolidate::run(args, &cfg, cli.lang, cli.config.as_deref())
        }
        Command::Audit(args) => cmd::audit::run(args, &cfg, cli.lang, cli.config.as_deref()),
        Command::Template(args) => cmd::template::run(args, &cfg, cli.lang),
        Command::Serve(args) => cmd::serve::run(args, cfg.clone(), cli.lang, cli.config.as_deref()),
        Command::Users(args) => cmd::users::run(args, &cfg, cli.lang),
        Command::Export(args) => cmd::export::run(args, cli.lang),
        Command::Backup(args) => cmd::backup::run(args, cli.lang),
        Command::CheckFile(args) => {
            std::panic::set_hook(Box::new(|_| {}));
            let check_date = args
                .check_date
                .unwrap_or_else(sozialraum::cmd::check::check_date);
            let annotate = match &args.annotate_out {
                Some(out) => Some(worker::CopyTo::File(worker::AnnotateTarget {
                    out: out.clone(),
                    check_date,
                    replace: args.force,
                    only_submissions: args.only_submissions,
                })),
                None if args.annotate_stdout => Some(worker::CopyTo::Memory { check_date }),
                None => None,
            };
            let input = match &args.path {
                Some(path) if !args.stdin => worker::ChildInput::File(path.clone()),
                _ => worker::ChildInput::Stdin,
            };
            Ok(worker::child_main(
                &input,
                &args.shown,
                &cfg,
                cli.lang,
                args.records,
                annotate,
            ))
        }
        Command::ReadFile(args) => {
            std::panic::set_hook(Box::new(|_| {}));
            let input = match &args.path {
                Some(path) if !args.stdin => worker::ChildInput::File(path.clone()),
                _ => worker::ChildInput::Stdin,
            };
            Ok(worker::read_child_main(
                args.kind,
                &input,
                &args.shown,
                &cfg,
                cli.lang,
            ))
        }
        Command::Explain(_) => Ok(0),
    }
}
