using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Postgres
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
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            // Every row so far is a built-in target, whose files follow the format of the same key.
            migrationBuilder.Sql("UPDATE \"TrainingTargets\" SET \"Format\" = \"Key\";");

            migrationBuilder.AddColumn<DateTime>(
                name: "ArchivedAt",
                table: "Datasets",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LabelGuides",
                table: "Datasets",
                type: "text",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<string>(
                name: "SuggestedLabel",
                table: "Annotations",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SuggestionSource",
                table: "Annotations",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "LabelSuggestions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ExampleId = table.Column<int>(type: "integer", nullable: false),
                    Label = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Source = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Confidence = table.Column<double>(type: "double precision", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
