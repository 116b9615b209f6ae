using System.CommandLine;

namespace FineTuneStudio.Cli;

public static class GlobalOptions
{
    public static readonly Option<FileInfo?> Db = new("--db")
    {
        Description = "SQLite database file (default: data/studio.db in the repository, the file the web app uses)",
        Recursive = true,
    };

    public static readonly Option<string> Provider = new("--provider")
    {
        Description = "Database provider: sqlite or postgres",
        DefaultValueFactory = _ => "sqlite",
        Recursive = true,
    };

    public static readonly Option<string?> Connection = new("--connection")
    {
        Description = "Connection string (PostgreSQL, or a full SQLite connection string)",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the result as JSON for scripts",
        Recursive = true,
    };

    static GlobalOptions()
    {
        Provider.AcceptOnlyFromAmong("sqlite", "postgres");
    }
}
