using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LlmJudges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "ClosedAt",
                table: "Comparisons",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Judges",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Judges", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Judges_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "JudgeVersions",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    JudgeId = table.Column<int>(type: "INTEGER", nullable: false),
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    Rubric = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: false),
                    Mode = table.Column<int>(type: "INTEGER", nullable: false),
                    Endpoint = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Temperature = table.Column<float>(type: "REAL", nullable: true),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_JudgeVersions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_JudgeVersions_Judges_JudgeId",
                        column: x => x.JudgeId,
                        principalTable: "Judges",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "JudgeRuns",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    JudgeVersionId = table.Column<int>(type: "INTEGER", nullable: false),
                    ComparisonId = table.Column<int>(type: "INTEGER", nullable: true),
                    EvalRunId = table.Column<int>(type: "INTEGER", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_JudgeRuns", x => x.Id);
                    table.ForeignKey(
                        name: "FK_JudgeRuns_Comparisons_ComparisonId",
                        column: x => x.ComparisonId,
                        principalTable: "Comparisons",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_JudgeRuns_EvalRuns_EvalRunId",
                        column: x => x.EvalRunId,
                        principalTable: "EvalRuns",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_JudgeRuns_JudgeVersions_JudgeVersionId",
                        column: x => x.JudgeVersionId,
                        principalTable: "JudgeVersions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "JudgeVerdicts",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    JudgeRunId = table.Column<int>(type: "INTEGER", nullable: false),
                    EvalItemId = table.Column<int>(type: "INTEGER", nullable: false),
                    AFirstChoice = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    BFirstChoice = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    Choice = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    PositionDependent = table.Column<bool>(type: "INTEGER", nullable: false),
                    ScoreA = table.Column<int>(type: "INTEGER", nullable: true),
                    ScoreB = table.Column<int>(type: "INTEGER", nullable: true),
                    ReasoningAFirst = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    ReasoningBFirst = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    Failed = table.Column<bool>(type: "INTEGER", nullable: false),
                    Error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    PromptTokens = table.Column<int>(type: "INTEGER", nullable: true),
                    CompletionTokens = table.Column<int>(type: "INTEGER", nullable: true),
                    LatencyMs = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_JudgeVerdicts", x => x.Id);
                    table.ForeignKey(
                        name: "FK_JudgeVerdicts_EvalItems_EvalItemId",
                        column: x => x.EvalItemId,
                        principalTable: "EvalItems",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_JudgeVerdicts_JudgeRuns_JudgeRunId",
                        column: x => x.JudgeRunId,
                        principalTable: "JudgeRuns",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_JudgeRuns_ComparisonId_CreatedAt",
                table: "JudgeRuns",
                columns: new[] { "ComparisonId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_JudgeRuns_EvalRunId",
                table: "JudgeRuns",
                column: "EvalRunId");

            migrationBuilder.CreateIndex(
                name: "IX_JudgeRuns_JudgeVersionId",
                table: "JudgeRuns",
                column: "JudgeVersionId");

            migrationBuilder.CreateIndex(
                name: "IX_Judges_ProjectId_Name",
                table: "Judges",
                columns: new[] { "ProjectId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_JudgeVerdicts_EvalItemId",
                table: "JudgeVerdicts",
                column: "EvalItemId");

            migrationBuilder.CreateIndex(
                name: "IX_JudgeVerdicts_JudgeRunId_EvalItemId",
                table: "JudgeVerdicts",
                columns: new[] { "JudgeRunId", "EvalItemId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_JudgeVersions_JudgeId_Number",
                table: "JudgeVersions",
                columns: new[] { "JudgeId", "Number" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "JudgeVerdicts");

            migrationBuilder.DropTable(
                name: "JudgeRuns");

            migrationBuilder.DropTable(
                name: "JudgeVersions");

            migrationBuilder.DropTable(
                name: "Judges");

            migrationBuilder.DropColumn(
                name: "ClosedAt",
                table: "Comparisons");
        }
    }
}
