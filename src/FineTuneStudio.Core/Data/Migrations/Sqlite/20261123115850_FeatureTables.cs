using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class FeatureTables : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "ReviewedAt",
                table: "Examples",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReviewedById",
                table: "Examples",
                type: "TEXT",
                maxLength: 450,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ToolsJson",
                table: "Examples",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Error",
                table: "EvalRuns",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EstimateJson",
                table: "Assessments",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TargetKey",
                table: "Assessments",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "QualityRuns",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DatasetId = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ExamplesAnalyzed = table.Column<int>(type: "INTEGER", nullable: false),
                    FindingCount = table.Column<int>(type: "INTEGER", nullable: false),
                    ReportJson = table.Column<string>(type: "TEXT", nullable: false),
                    Error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    StartedByName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QualityRuns", x => x.Id);
                    table.ForeignKey(
                        name: "FK_QualityRuns_Datasets_DatasetId",
                        column: x => x.DatasetId,
                        principalTable: "Datasets",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "TrainingTargets",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    MinExamples = table.Column<int>(type: "INTEGER", nullable: false),
                    TokenLimitPerExample = table.Column<int>(type: "INTEGER", nullable: false),
                    PricePerMillionTokens = table.Column<double>(type: "REAL", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ClosesOn = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Notice = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Alternatives = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TrainingTargets", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_QualityRuns_DatasetId_StartedAt",
                table: "QualityRuns",
                columns: new[] { "DatasetId", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_TrainingTargets_Key",
                table: "TrainingTargets",
                column: "Key",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "QualityRuns");

            migrationBuilder.DropTable(
                name: "TrainingTargets");

            migrationBuilder.DropColumn(
                name: "ReviewedAt",
                table: "Examples");

            migrationBuilder.DropColumn(
                name: "ReviewedById",
                table: "Examples");

            migrationBuilder.DropColumn(
                name: "ToolsJson",
                table: "Examples");

            migrationBuilder.DropColumn(
                name: "Error",
                table: "EvalRuns");

            migrationBuilder.DropColumn(
                name: "EstimateJson",
                table: "Assessments");

            migrationBuilder.DropColumn(
                name: "TargetKey",
                table: "Assessments");
        }
    }
}
