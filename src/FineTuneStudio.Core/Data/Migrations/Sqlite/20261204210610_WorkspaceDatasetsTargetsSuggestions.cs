using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WorkspaceDatasetsTargetsSuggestions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Format",
                table: "TrainingTargets",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            // Every row so far is a built-in target, whose files follow the format of the same key.
            migrationBuilder.Sql("UPDATE \"TrainingTargets\" SET \"Format\" = \"Key\";");

            migrationBuilder.AddColumn<DateTime>(
                name: "ArchivedAt",
                table: "Datasets",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LabelGuides",
                table: "Datasets",
                type: "TEXT",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<string>(
                name: "SuggestedLabel",
                table: "Annotations",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SuggestionSource",
                table: "Annotations",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "LabelSuggestions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ExampleId = table.Column<int>(type: "INTEGER", nullable: false),
                    Label = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Source = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Confidence = table.Column<double>(type: "REAL", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LabelSuggestions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_LabelSuggestions_Examples_ExampleId",
                        column: x => x.ExampleId,
                        principalTable: "Examples",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_LabelSuggestions_ExampleId",
                table: "LabelSuggestions",
                column: "ExampleId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "LabelSuggestions");

            migrationBuilder.DropColumn(
                name: "Format",
                table: "TrainingTargets");

            migrationBuilder.DropColumn(
                name: "ArchivedAt",
                table: "Datasets");

            migrationBuilder.DropColumn(
                name: "LabelGuides",
                table: "Datasets");

            migrationBuilder.DropColumn(
                name: "SuggestedLabel",
                table: "Annotations");

            migrationBuilder.DropColumn(
                name: "SuggestionSource",
                table: "Annotations");
        }
    }
}
