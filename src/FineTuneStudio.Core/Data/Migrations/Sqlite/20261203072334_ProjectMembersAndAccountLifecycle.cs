using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ProjectMembersAndAccountLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "DisabledAt",
                table: "AspNetUsers",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "ExpiresAt",
                table: "ApiTokens",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.CreateTable(
                name: "ProjectMembers",
                columns: table => new
                {
                    ProjectId = table.Column<int>(type: "INTEGER", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    AddedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ProjectMembers", x => new { x.ProjectId, x.UserId });
                    table.ForeignKey(
                        name: "FK_ProjectMembers_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ProjectMembers_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ProjectMembers_UserId",
                table: "ProjectMembers",
                column: "UserId");

            // Before membership, every role reached every project: keep that for existing data, one role per
            // user and project, the strongest of the roles the user held (MlLead, then ProductOwner, then Labeler).
            migrationBuilder.Sql("""
                INSERT INTO "ProjectMembers" ("ProjectId", "UserId", "Role", "AddedAt")
                SELECT p."Id", u."UserId", u."Role", CURRENT_TIMESTAMP
                FROM "Projects" p CROSS JOIN (
                    SELECT ur."UserId" AS "UserId",
                        CASE MIN(CASE r."Name" WHEN 'MlLead' THEN 1 WHEN 'ProductOwner' THEN 2 ELSE 3 END)
                            WHEN 1 THEN 'MlLead' WHEN 2 THEN 'ProductOwner' ELSE 'Labeler' END AS "Role"
                    FROM "AspNetUserRoles" ur JOIN "AspNetRoles" r ON r."Id" = ur."RoleId"
                    WHERE r."Name" IN ('MlLead', 'ProductOwner', 'Labeler')
                    GROUP BY ur."UserId") u
                """);

            // Tokens made before expiry existed get the default lifetime from their creation.
            migrationBuilder.Sql("""UPDATE "ApiTokens" SET "ExpiresAt" = datetime("CreatedAt", '+90 days')""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ProjectMembers");

            migrationBuilder.DropColumn(
                name: "DisabledAt",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "ExpiresAt",
                table: "ApiTokens");
        }
    }
}
