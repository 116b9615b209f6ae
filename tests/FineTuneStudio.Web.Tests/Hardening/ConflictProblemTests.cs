using FineTuneStudio.Web.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FineTuneStudio.Web.Tests.Hardening;

/// <summary>Saves that lose a race get 409 with what to do, never a 500 "something went wrong".</summary>
public sealed class ConflictProblemTests
{
    [Fact]
    public void ToProblem_ConcurrencyFailure_Is409()
    {
        var problem = StudioExceptionHandler.ToProblem(new DbUpdateConcurrencyException("expected 1 row, 0 affected"));

        problem.Status.ShouldBe(409);
        problem.Detail!.ShouldContain("load it again and retry");
    }

    [Fact]
    public void ToProblem_UniqueViolationOnSqlite_Is409()
    {
        var inner = new SqliteException("UNIQUE constraint failed: Datasets.ProjectId, Datasets.Name", 19);

        StudioExceptionHandler.ToProblem(new DbUpdateException("save failed", inner)).Status.ShouldBe(409);
    }

    [Fact]
    public void ToProblem_UniqueViolationOnPostgres_Is409()
    {
        var inner = new PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation);

        StudioExceptionHandler.ToProblem(new DbUpdateException("save failed", inner)).Status.ShouldBe(409);
    }

    [Fact]
    public void ToProblem_OtherDatabaseFailure_StaysA500WithoutDetails()
    {
        var problem = StudioExceptionHandler.ToProblem(new DbUpdateException("disk I/O error", new SqliteException("disk I/O error", 10)));

        problem.Status.ShouldBe(500);
        problem.Detail.ShouldBe("The error was logged.");
    }
}
