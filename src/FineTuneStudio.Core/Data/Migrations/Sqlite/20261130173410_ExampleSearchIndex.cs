using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ExampleSearchIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Example search: an FTS5 trigram index over Examples.SearchText (external content, so the text is stored once).
            // Triggers keep it in step with every write, including import's prepared-command inserts. A later migration
            // that rebuilds the Examples table drops these triggers and must create them again.
            migrationBuilder.Sql(
                "CREATE VIRTUAL TABLE \"ExampleSearch\" USING fts5(\"SearchText\", content='Examples', content_rowid='Id', tokenize='trigram');");
            migrationBuilder.Sql(
                """
                CREATE TRIGGER "Examples_SearchInsert" AFTER INSERT ON "Examples" BEGIN
                    INSERT INTO "ExampleSearch"(rowid, "SearchText") VALUES (new."Id", new."SearchText");
                END;
                """);
            migrationBuilder.Sql(
                """
                CREATE TRIGGER "Examples_SearchDelete" AFTER DELETE ON "Examples" BEGIN
                    INSERT INTO "ExampleSearch"("ExampleSearch", rowid, "SearchText") VALUES ('delete', old."Id", old."SearchText");
                END;
                """);
            migrationBuilder.Sql(
                """
                CREATE TRIGGER "Examples_SearchUpdate" AFTER UPDATE OF "SearchText" ON "Examples" BEGIN
                    INSERT INTO "ExampleSearch"("ExampleSearch", rowid, "SearchText") VALUES ('delete', old."Id", old."SearchText");
                    INSERT INTO "ExampleSearch"(rowid, "SearchText") VALUES (new."Id", new."SearchText");
                END;
                """);
            // Indexes the examples already stored.
            migrationBuilder.Sql("INSERT INTO \"ExampleSearch\"(\"ExampleSearch\") VALUES ('rebuild');");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"Examples_SearchUpdate\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"Examples_SearchDelete\";");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS \"Examples_SearchInsert\";");
            migrationBuilder.Sql("DROP TABLE IF EXISTS \"ExampleSearch\";");
        }
    }
}
