using FineTuneStudio.Core.Domain;
using System.Diagnostics;
using FineTuneStudio.Core.Quality;
using Xunit.Abstractions;

namespace FineTuneStudio.Core.Tests.Quality;

public class QualityScaleTests(ITestOutputHelper output)
{
    [Fact]
    public void Analyze_TwentyThousandWithPlantedPairs_FindsEveryPairAndLittleElse()
    {
        const int count = 20_000;
        var planted = QualitySampleGenerator.PlantedPairs(count, 50);

        var watch = Stopwatch.StartNew();
        var report = QualitySampleGenerator.AnalyzeGenerated(count, 50);
        output.WriteLine($"{count + 50} examples analysed in {watch.ElapsedMilliseconds} ms");

        report.ExamplesAnalyzed.ShouldBe(count + 50);
        var finding = report.Find(FindingType.NearDuplicate)!;
        var found = finding.Groups!.Select(g => (g[0], g[^1])).ToHashSet();
        foreach (var pair in planted)
        {
            found.ShouldContain(pair);
        }

        // Generated texts draw 60-140 random words from 4,900, so chance overlaps are far below 0.8.
        finding.GroupCount.ShouldBe(50);
        finding.Groups!.ShouldAllBe(g => g.Count == 2);
        report.Find(FindingType.ExactDuplicate).ShouldBeNull();
        report.Find(FindingType.PersonalData).ShouldBeNull();
    }
}
