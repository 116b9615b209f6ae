using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FineTuneStudio.Core.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class TrainerLogs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Format",
                table: "TrainingMetrics",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<double>(
                name: "Epoch",
                table: "TrainingMetricPoints",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "LearningRate",
                table: "TrainingMetricPoints",
                type: "double precision",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Format",
                table: "TrainingMetrics");

            migrationBuilder.DropColumn(
                name: "Epoch",
                table: "TrainingMetricPoints");

            migrationBuilder.DropColumn(
                name: "LearningRate",
                table: "TrainingMetricPoints");
        }
    }
}
