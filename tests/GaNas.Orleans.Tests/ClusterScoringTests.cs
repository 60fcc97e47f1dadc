using GaNas.Proxies;
using GaNas.Scoring;
using GaNas.Search;
using GaNas.Search.AutoML;
using GaNas.Search.Runners;
using GaNas.Search.Strategies;
using GaNas.SearchSpaces;
using Orleans.TestingHost;

namespace GaNas.Orleans.Tests;

public sealed class ClusterScoringTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestClusters.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Proxies_of_20_architectures_on_the_cluster_equal_the_local_values_bit_for_bit()
    {
        using var images = TestClusters.Images();
        using var labels = TestClusters.Labels();
        var local = TestClusters.Evaluator(images, labels, "naswot,ni,logsynflow,snip,grad_norm");
        var random = new Random(5);
        var genomes = Enumerable.Range(0, 20).Select(_ => TopologySearchSpace.Instance.Sample(random)).ToList();
        var expected = genomes.Select(local.Evaluate).ToList();

        using var scorer = await ClusterProxyScorer.ConnectAsync(_cluster.Client, local);
        scorer.Concurrency.Should().Be(3, "three silos with one lane each");
        var remote = scorer.EvaluateMany(genomes, workers: scorer.Concurrency).ToList();

        remote.Select(r => r.Genome).Should().Equal(genomes);
        for (int i = 0; i < genomes.Count; i++)
        {
            remote[i].Values.Keys.Should().Equal(expected[i].Values.Keys);
            foreach (var (name, value) in expected[i].Values)
            {
                BitConverter.DoubleToInt64Bits(remote[i].Values[name].Value).Should().Be(BitConverter.DoubleToInt64Bits(value.Value), $"{name} of architecture {i}");
                remote[i].Values[name].Failure.Should().Be(value.Failure);
            }
        }
        var stats = scorer.Statistics;
        stats.Evaluations.Should().Be(genomes.Count(g => TopologySearchSpace.Instance.Degeneracy(g) is null));
        stats.PerSilo.Should().HaveCount(3, "every silo takes work");
        stats.SpecTransfers.Should().Be(3, "each silo is sent the image batch once");
        stats.Retries.Should().Be(0);
    }

    [Fact]
    public async Task A_distributed_GA_search_returns_the_local_trial_history()
    {
        using var images = TestClusters.Images();
        using var labels = TestClusters.Labels();
        var local = TestClusters.Evaluator(images, labels);
        NasExperimentResult expected = await Search(local, workers: 1);

        using var scorer = await ClusterProxyScorer.ConnectAsync(_cluster.Client, local);
        NasExperimentResult distributed = await Search(scorer, workers: scorer.Concurrency);

        AssertSameHistory(distributed, expected);
        scorer.Statistics.PerSilo.Keys.Should().HaveCountGreaterThan(1, "a GA's population is scored on several silos at once");
    }

    [Fact]
    public async Task The_trainer_options_factory_gives_the_same_scorer_values()
    {
        using var images = TestClusters.Images();
        using var labels = TestClusters.Labels();
        var local = TestClusters.Evaluator(images, labels);
        using var cluster = new OrleansEvaluationCluster(_cluster.Client);
        var scorer = (IProxyScorer)cluster.Create(local);
        try
        {
            var genome = TopologySearchSpace.Instance.Parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|");
            var remote = await scorer.ScoreAsync(genome);
            var expected = local.Evaluate(genome);
            foreach (var (name, value) in expected.Values) remote.Values[name].Value.Should().Be(value.Value, name);
            scorer.Fingerprint.DifferenceFrom(local.Fingerprint).Should().BeNull("a table computed on the cluster resumes locally and back");
        }
        finally
        {
            ((IDisposable)scorer).Dispose();
        }
    }

    [Fact]
    public async Task A_worker_refuses_a_spec_whose_fingerprint_it_would_not_reproduce_and_names_the_field()
    {
        using var images = TestClusters.Images();
        using var labels = TestClusters.Labels();
        var spec = EvaluationSpec.From(TestClusters.Evaluator(images, labels));
        var tampered = new Dictionary<string, string>(spec.Fingerprint) { ["proxy_code"] = "0" };
        var draft = spec with { Fingerprint = tampered };
        var forged = draft with { Key = draft.ComputeKey() };
        var grain = _cluster.Client.GetGrain<IProxyEvaluationGrain>("any");
        string arch = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|";
        (await grain.Evaluate(new EvaluationRequest { Key = forged.Key, Architecture = arch })).NeedsSpec.Should().BeTrue();
        var reply = await grain.Evaluate(new EvaluationRequest { Key = forged.Key, Architecture = arch, Spec = forged });
        reply.Error.Should().StartWith("InvalidDataException").And.Contain("proxy_code").And.Contain("same GaNas version");
        reply.Values.Should().BeEmpty();

        var malformed = spec with { Images = spec.Images.Take(10).ToArray() };
        reply = await grain.Evaluate(new EvaluationRequest { Key = malformed.Key, Architecture = arch, Spec = malformed });
        reply.Error.Should().Contain("pixel values");
    }

    [Fact]
    public void A_spec_key_covers_the_settings_the_fingerprint_leaves_out()
    {
        using var images = TestClusters.Images();
        using var labels = TestClusters.Labels();
        var channelsLast = TestClusters.Evaluator(images, labels);
        var nchw = new GaNas.Proxies.ProxyEvaluator(channelsLast.Space, channelsLast.Proxies, images, channelsLast.Options, channelsLast.Seed, labels) { ChannelsLast = false };
        nchw.Fingerprint.DifferenceFrom(channelsLast.Fingerprint).Should().BeNull("the layout changes values by rounding only, so tables resume across it");
        EvaluationSpec.From(nchw).Key.Should().NotBe(EvaluationSpec.From(channelsLast).Key, "a worker must not serve one layout's request with the other's evaluator");
    }

    [Fact]
    public async Task A_malformed_architecture_is_answered_with_the_parser_error()
    {
        using var images = TestClusters.Images();
        using var labels = TestClusters.Labels();
        var spec = EvaluationSpec.From(TestClusters.Evaluator(images, labels));
        var grain = _cluster.Client.GetGrain<IProxyEvaluationGrain>("any");
        var reply = await grain.Evaluate(new EvaluationRequest { Key = spec.Key, Architecture = "|conv_9x9~0|", Spec = spec });
        reply.Error.Should().StartWith(nameof(ArchitectureFormatException)).And.Contain("conv_9x9");
    }

    [Fact]
    public async Task A_spec_beyond_the_worker_size_limit_is_refused_before_anything_is_built()
    {
        await using var small = await TestClusters.StartAsync(silos: 1, worker: o => o.MaxSpecBytes = 10_000);
        using var images = TestClusters.Images();
        using var labels = TestClusters.Labels();
        using var scorer = await ClusterProxyScorer.ConnectAsync(small.Client, TestClusters.Evaluator(images, labels));
        Func<Task> score = () => scorer.ScoreAsync(TopologySearchSpace.Instance.Parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"));
        (await score.Should().ThrowAsync<ClusterEvaluationException>()).Which.Message.Should().Contain("MaxSpecBytes");
        scorer.Statistics.Retries.Should().Be(0, "an evaluation the worker refuses would be refused anywhere");
    }

    internal static async Task<NasExperimentResult> Search(IProxyScorer scorer, int workers, Action<NasProgress>? progress = null)
    {
        HybridScore score = HybridScore.Parse("rk", TopologySearchSpace.Instance);
        SearchStrategy ga = StrategyRegistry.Create("ga", TopologySearchSpace.Instance, score, seed: 4, budget: 30);
        using var runner = new ProxyTrialRunner(scorer);
        var experiment = new NasExperiment().SetTuner(ga).SetTrialRunner(runner).SetMaxModelToExplore(30).SetWorkers(workers);
        if (progress is not null) experiment.SetProgress(new GaNas.Runtime.SyncProgress<NasProgress>(progress));
        return await experiment.RunAsync();
    }

    internal static void AssertSameHistory(NasExperimentResult actual, NasExperimentResult expected)
    {
        actual.Trials.Select(t => t.TrialSettings.Parameter.Architecture).Should().Equal(expected.Trials.Select(t => t.TrialSettings.Parameter.Architecture));
        for (int i = 0; i < expected.Trials.Count; i++)
        {
            TrialResult a = actual.Trials[i], e = expected.Trials[i];
            a.Error.Should().Be(e.Error, $"trial {i}");
            a.ProxyValues.Should().Equal(e.ProxyValues, $"trial {i}'s proxy values");
            a.Metric.Should().Be(e.Metric, $"trial {i}'s score");
        }
        actual.Best!.Genome.Should().Be(expected.Best!.Genome);
    }
}
