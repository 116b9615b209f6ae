using FineTuneStudio.Core.Data;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Hosting;

[Collection(StudioAppCollection.Name)]
public sealed class DatabaseConnectionTests(StudioAppFactory app)
{
    [Fact]
    public async Task WebHostConnections_OnSqlite_UseWalAndWaitForLocks()
    {
        var (journal, timeout) = await app.QueryAsync(async db =>
        {
            if (app.Provider != DatabaseProvider.Sqlite)
            {
                return ("wal", "30000");
            }

            await db.Database.OpenConnectionAsync();
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA journal_mode;";
            var mode = (string)(await command.ExecuteScalarAsync())!;
            command.CommandText = "PRAGMA busy_timeout;";
            var wait = Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)!;
            return (mode, wait);
        });

        // A second process (the CLI, another request's import) may hold the write lock: wait 30 s, do not fail.
        journal.ShouldBe("wal");
        timeout.ShouldBe("30000");
    }
}
