using GaNas.MLNet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Orleans.TestingHost;

namespace GaNas.Orleans.Tests;

public sealed class TrainerOnClusterTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestClusters.StartAsync(silos: 2);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private sealed class Pixels
    {
        public string Label { get; set; } = "a";

        [VectorType(16)]
        public float[] Features { get; set; } = new float[16];
    }

    /// <summary>Two classes of 4x4 grey images: bright left half or bright right half, with noise.</summary>
    private static IEnumerable<Pixels> TwoClasses(int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            bool left = i % 2 == 0;
            var features = new float[16];
            for (int p = 0; p < 16; p++) features[p] = ((p % 4 < 2) == left ? 200 : 40) + random.Next(30);
            yield return new Pixels { Label = left ? "left" : "right", Features = features };
        }
    }

    [Fact]
    public void A_trainer_given_the_cluster_chooses_and_reports_what_it_chooses_locally()
    {
        GaNas.Tests.TestEnvironment.InitTorch();
        TrainingFreeNasTransformer Fit(GaNas.Proxies.IProxyScorerFactory? where)
        {
            var ml = new MLContext(seed: 0);
            IDataView data = ml.Data.LoadFromEnumerable(TwoClasses(40, seed: 2));
            var options = new TrainingFreeNasOptions
            {
                ImageChannels = 1, ImageHeight = 4, ImageWidth = 4, Channels = 4, Evaluations = 12, Epoch = 1, BatchSize = 4, ProxyBatchSize = 8,
                AdaptToSmallData = false, NumberOfThreads = 1, Seed = 0, SearchScorer = where,
            };
            return ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TrainingFreeNas(options)).Fit(data).LastTransformer;
        }
        long ScoredOnSilos() => _cluster.Silos.Sum(silo => silo.ServiceProvider.GetRequiredService<SiloEvaluators>().Evaluations);
        TrainingFreeNasTransformer local = Fit(null);
        ScoredOnSilos().Should().Be(0);
        using var cluster = new OrleansEvaluationCluster(_cluster.Client);
        TrainingFreeNasTransformer remote = Fit(cluster);
        ScoredOnSilos().Should().BeGreaterThan(0, "the trainer's search ran on the silos");
        remote.Architecture.Should().Be(local.Architecture);
        remote.Summary.ProxyValues.Should().Equal(local.Summary.ProxyValues);
    }
}
