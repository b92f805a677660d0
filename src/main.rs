fn main() -> std::process::ExitCode {
    backendctl::cli::run()
}
