using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ExampleListIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Examples_DatasetId_Id",
                table: "Examples",
                columns: new[] { "DatasetId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Examples_DatasetId_Id",
                table: "Examples");
        }
    }
}
