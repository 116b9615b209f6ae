using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Postgres
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
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Judges",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ProjectId = table.Column<int>(type: "integer", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    JudgeId = table.Column<int>(type: "integer", nullable: false),
                    Number = table.Column<int>(type: "integer", nullable: false),
                    Rubric = table.Column<string>(type: "character varying(20000)", maxLength: 20000, nullable: false),
                    Mode = table.Column<int>(type: "integer", nullable: false),
                    Endpoint = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Model = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Temperature = table.Column<float>(type: "real", nullable: true),
                    CreatedBy = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    JudgeVersionId = table.Column<int>(type: "integer", nullable: false),
                    ComparisonId = table.Column<int>(type: "integer", nullable: true),
                    EvalRunId = table.Column<int>(type: "integer", nullable: true),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    CreatedBy = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    JudgeRunId = table.Column<int>(type: "integer", nullable: false),
                    EvalItemId = table.Column<int>(type: "integer", nullable: false),
                    AFirstChoice = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    BFirstChoice = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    Choice = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    PositionDependent = table.Column<bool>(type: "boolean", nullable: false),
                    ScoreA = table.Column<int>(type: "integer", nullable: true),
                    ScoreB = table.Column<int>(type: "integer", nullable: true),
                    ReasoningAFirst = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: false),
                    ReasoningBFirst = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: false),
                    Failed = table.Column<bool>(type: "boolean", nullable: false),
                    Error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    PromptTokens = table.Column<int>(type: "integer", nullable: true),
                    CompletionTokens = table.Column<int>(type: "integer", nullable: true),
                    LatencyMs = table.Column<int>(type: "integer", nullable: true)
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
