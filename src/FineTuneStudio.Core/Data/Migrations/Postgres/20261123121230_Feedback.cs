using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Feedback : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double>(
                name: "DriftThreshold",
                table: "Projects",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "RetrainingCadenceDays",
                table: "Projects",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ProductionLogs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ProjectId = table.Column<int>(type: "integer", nullable: false),
                    LoggedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    MessagesJson = table.Column<string>(type: "text", nullable: false),
                    InputText = table.Column<string>(type: "text", nullable: false),
                    Response = table.Column<string>(type: "text", nullable: false),
                    Model = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    LatencyMs = table.Column<int>(type: "integer", nullable: true),
                    Rating = table.Column<int>(type: "integer", nullable: true),
                    ContentHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    SearchText = table.Column<string>(type: "text", nullable: false),
                    PersonalDataKinds = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    PromotedExampleId = table.Column<int>(type: "integer", nullable: true),
                    ImportedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ImportedByName = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ProductionLogs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ProductionLogs_Examples_PromotedExampleId",
                        column: x => x.PromotedExampleId,
                        principalTable: "Examples",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "FK_ProductionLogs_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ProductionLogs_ProjectId_ContentHash",
                table: "ProductionLogs",
                columns: new[] { "ProjectId", "ContentHash" });

            migrationBuilder.CreateIndex(
                name: "IX_ProductionLogs_ProjectId_LoggedAt",
                table: "ProductionLogs",
                columns: new[] { "ProjectId", "LoggedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ProductionLogs_ProjectId_Rating",
                table: "ProductionLogs",
                columns: new[] { "ProjectId", "Rating" });

            migrationBuilder.CreateIndex(
                name: "IX_ProductionLogs_PromotedExampleId",
                table: "ProductionLogs",
                column: "PromotedExampleId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ProductionLogs");

            migrationBuilder.DropColumn(
                name: "DriftThreshold",
                table: "Projects");

            migrationBuilder.DropColumn(
                name: "RetrainingCadenceDays",
                table: "Projects");
        }
    }
}
