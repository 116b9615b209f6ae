using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Postgres
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
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ReviewedById",
                table: "Examples",
                type: "character varying(450)",
                maxLength: 450,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ToolsJson",
                table: "Examples",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Error",
                table: "EvalRuns",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EstimateJson",
                table: "Assessments",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "TargetKey",
                table: "Assessments",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "QualityRuns",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    DatasetId = table.Column<int>(type: "integer", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ExamplesAnalyzed = table.Column<int>(type: "integer", nullable: false),
                    FindingCount = table.Column<int>(type: "integer", nullable: false),
                    ReportJson = table.Column<string>(type: "text", nullable: false),
                    Error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    StartedByName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
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
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    MinExamples = table.Column<int>(type: "integer", nullable: false),
                    TokenLimitPerExample = table.Column<int>(type: "integer", nullable: false),
                    PricePerMillionTokens = table.Column<double>(type: "double precision", nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    ClosesOn = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Notice = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    Alternatives = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
