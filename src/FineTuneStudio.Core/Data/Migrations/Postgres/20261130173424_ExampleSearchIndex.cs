using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ExampleSearchIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Example search: a trigram GIN index over Examples.SearchText serves ILIKE '%term%'. Creating it indexes existing rows.
            migrationBuilder.Sql("CREATE EXTENSION IF NOT EXISTS pg_trgm;");
            migrationBuilder.Sql(
                "CREATE INDEX \"IX_Examples_SearchText_Trigram\" ON \"Examples\" USING gin (\"SearchText\" gin_trgm_ops);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The extension stays: other objects in the database may use it.
            migrationBuilder.Sql("DROP INDEX IF EXISTS \"IX_Examples_SearchText_Trigram\";");
        }
    }
}
