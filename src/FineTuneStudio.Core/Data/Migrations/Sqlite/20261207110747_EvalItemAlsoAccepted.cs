using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class EvalItemAlsoAccepted : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AlsoAccepted",
                table: "EvalItems",
                type: "TEXT",
                nullable: false,
                defaultValue: "[]");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AlsoAccepted",
                table: "EvalItems");
        }
    }
}
