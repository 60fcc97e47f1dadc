using System.Text.Json.Nodes;
using GaNas.MLNet;
using Microsoft.ML;

namespace GaNas.Tests;

/// <summary>The search's outcome stored next to the training checkpoint: reused by the same fit, refused for another.</summary>
public sealed class SearchResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-search-resume-").FullName;

    public SearchResumeTests() => TestEnvironment.InitTorch();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TrainingFreeNasOptions Options(int seed, List<TrainingFreeNasProgress> progress) => new()
    {
        ImageChannels = 1, ImageHeight = 4, ImageWidth = 4, Channels = 4, Evaluations = 5, Epoch = 1, BatchSize = 4, ProxyBatchSize = 4,
        NumberOfThreads = 1, AdaptToSmallData = false, Seed = seed, TrainingCheckpointPath = Path.Combine(_dir, "fit.ckpt"),
        Progress = new GaNas.Runtime.SyncProgress<TrainingFreeNasProgress>(progress.Add),
    };

    private static TrainingFreeNasTransformer Fit(TrainingFreeNasOptions options)
    {
        var ml = new MLContext(seed: 0);
        IDataView data = PixelRows.TwoClass(ml, 24, seed: 3);
        data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data).Transform(data);
        return ml.MulticlassClassification.Trainers.TrainingFreeNas(options).Fit(data);
    }

    [Fact]
    public void A_second_fit_with_the_stored_outcome_does_not_search_and_another_run_is_refused()
    {
        var first = new List<TrainingFreeNasProgress>();
        TrainingFreeNasTransformer searched = Fit(Options(1, first));
        first.Should().Contain(p => p.Phase == "search" && p.Message.StartsWith("scored", StringComparison.Ordinal));
        string stored = Path.Combine(_dir, "fit.ckpt.search.json");
        File.Exists(stored).Should().BeTrue();

        var second = new List<TrainingFreeNasProgress>();
        TrainingFreeNasTransformer resumed = Fit(Options(1, second));
        second.Should().NotContain(p => p.Message.StartsWith("scored", StringComparison.Ordinal));
        second.Should().Contain(p => p.Message.StartsWith("search: resumed from", StringComparison.Ordinal));
        resumed.Architecture.Should().Be(searched.Architecture);
        resumed.Summary.ProxyValues.Should().Equal(searched.Summary.ProxyValues);
        resumed.Summary.Evaluations.Should().Be(5);

        var otherSeed = () => Fit(Options(2, []));
        otherSeed.Should().Throw<InvalidDataException>().WithMessage("*fit.ckpt.search.json*belongs to another run*'seed' is 1 in the file but 2 in this run*");

        var node = JsonNode.Parse(File.ReadAllText(stored))!;
        node["Architecture"] = "not an architecture";
        File.WriteAllText(stored, node.ToJsonString());
        var badArchitecture = () => Fit(Options(1, []));
        badArchitecture.Should().Throw<InvalidDataException>().WithMessage("*fit.ckpt.search.json*holds an invalid architecture*");

        File.WriteAllText(stored, "{ \"Format\": 1, ");
        var corrupt = () => Fit(Options(1, []));
        corrupt.Should().Throw<InvalidDataException>().WithMessage("*fit.ckpt.search.json*is corrupt*");
    }
}
