using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EvalItemAlsoAccepted : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<List<string>>(
                name: "AlsoAccepted",
                table: "EvalItems",
                type: "text[]",
                nullable: false,
                // Items stored before have no further answers; without a default the column cannot be added to them.
                defaultValueSql: "'{}'");
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
