using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DatasetAnswerTemplate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AnswerStyle",
                table: "Datasets",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "Label");

            migrationBuilder.AddColumn<string>(
                name: "AnswerTemplate",
                table: "Datasets",
                type: "TEXT",
                maxLength: 2000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "LabelAnswers",
                table: "Datasets",
                type: "TEXT",
                nullable: false,
                defaultValueSql: "'{}'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AnswerStyle",
                table: "Datasets");

            migrationBuilder.DropColumn(
                name: "AnswerTemplate",
                table: "Datasets");

            migrationBuilder.DropColumn(
                name: "LabelAnswers",
                table: "Datasets");
        }
    }
}
