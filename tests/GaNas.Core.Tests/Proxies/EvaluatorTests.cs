using GaNas.Networks;
using GaNas.Proxies;
using GaNas.SearchSpaces;
using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.Tests.Proxies;

public class EvaluatorTests
{
    public EvaluatorTests() => TestEnvironment.InitTorch();

    private static ProxyEvaluator Evaluator(ISearchSpace space, Tensor images, string proxies = "naswot,ni,logsynflow,synflow,params,macs") =>
        new(space, ProxyRegistry.CreateMany(proxies), images, space.BenchmarkOptions(10).With(channels: 4, cellsPerStage: 1), seed: 3);

    [Fact]
    public void Every_tensor_an_evaluation_creates_is_disposed()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(1));
        var evaluator = Evaluator(TopologySearchSpace.Instance, images);
        var random = new Random(4);
        evaluator.Evaluate(TopologySearchSpace.Instance.Sample(random));
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 30; i++) evaluator.Evaluate(TopologySearchSpace.Instance.Sample(random));
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void Channels_last_and_nchw_forward_passes_give_the_same_proxy_values()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(1));
        var space = TopologySearchSpace.Instance;
        const string proxies = "naswot,ni,logsynflow,az_expressivity,meco";
        var options = space.BenchmarkOptions(10).With(channels: 4, cellsPerStage: 1);
        var channelsLast = new ProxyEvaluator(space, ProxyRegistry.CreateMany(proxies), images, options, seed: 3);
        var nchw = new ProxyEvaluator(space, ProxyRegistry.CreateMany(proxies), images, options, seed: 3) { ChannelsLast = false };
        var random = new Random(12);
        for (int i = 0; i < 4; i++)
        {
            var genome = space.Sample(random);
            var a = channelsLast.Evaluate(genome);
            var b = nchw.Evaluate(genome);
            foreach (var (name, value) in a.Values)
            {
                value.IsValid.Should().Be(b.Values[name].IsValid, name);
                if (value.IsValid) value.Value.Should().BeApproximately(b.Values[name].Value, 1e-4 * Math.Max(1, Math.Abs(value.Value)), $"{name} of {genome}");
            }
        }
    }

    [Fact]
    public void A_negative_trim_interval_is_refused()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(1));
        var act = () => new ProxyEvaluator(TopologySearchSpace.Instance, ProxyRegistry.CreateMany("params"), images,
            TopologySearchSpace.Instance.BenchmarkOptions(10), seed: 0) { TrimEvery = -1 };
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*0 for never*");
    }

    [Fact]
    public void Same_seed_same_proxy_values()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(1));
        var genome = SizeSearchSpace.Instance.Parse("16:8:24:8:16");
        var a = Evaluator(SizeSearchSpace.Instance, images).Evaluate(genome);
        var b = Evaluator(SizeSearchSpace.Instance, images).Evaluate(genome);
        foreach (var (name, value) in a.Values) b.Values[name].Value.Should().Be(value.Value, name);
        a.Values["params"].Value.Should().BeGreaterThan(0);
        a.Values.Values.Should().OnlyContain(v => v.IsValid);
    }

    [Fact]
    public void Concurrent_evaluations_return_the_sequential_values_in_input_order()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(1));
        var evaluator = Evaluator(TopologySearchSpace.Instance, images, "naswot,ni,logsynflow,az_trainability");
        var random = new Random(9);
        var genomes = Enumerable.Range(0, 7).Select(_ => TopologySearchSpace.Instance.Sample(random)).ToList();
        var sequential = genomes.Select(evaluator.Evaluate).ToList();
        var concurrent = evaluator.EvaluateMany(genomes, workers: 3).ToList();
        concurrent.Select(c => c.Genome).Should().Equal(genomes);
        for (int i = 0; i < genomes.Count; i++)
        {
            foreach (var (name, value) in sequential[i].Values) concurrent[i].Values[name].Value.Should().Be(value.Value, name);
        }
    }

    [Fact]
    public void An_all_none_cell_fails_every_proxy_as_degenerate_without_building_it()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(1));
        var genome = TopologySearchSpace.Instance.Parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
        var scores = Evaluator(TopologySearchSpace.Instance, images).Evaluate(genome);
        // The cells output zeros whatever the image: every proxy fails with the reason, nothing throws or returns NaN.
        scores.Values.Values.Should().OnlyContain(v => !v.IsValid && v.Failure!.Contains("degenerate", StringComparison.Ordinal));
        scores.Seconds.Should().BeLessThan(0.5);
    }
}

public class JacobianProxyTests
{
    public JacobianProxyTests() => TestEnvironment.InitTorch();

    private static ProxyEvaluator Evaluator(Tensor images) =>
        new(TopologySearchSpace.Instance, ProxyRegistry.CreateMany("az_trainability,jacov,meco"), images,
            TopologySearchSpace.Instance.BenchmarkOptions(10).With(channels: 4, cellsPerStage: 1), seed: 3);

    [Fact]
    public void Trainability_Jacobian_covariance_and_MeCo_are_finite_deterministic_and_leak_nothing()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(1));
        var space = TopologySearchSpace.Instance;
        var genome = space.Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|");
        var a = Evaluator(images).Evaluate(genome);
        var b = Evaluator(images).Evaluate(genome);
        a.Values.Values.Should().OnlyContain(v => v.IsValid);
        foreach (var (name, value) in a.Values) b.Values[name].Value.Should().Be(value.Value, name);
        a.Values["az_trainability"].Value.Should().BeLessThanOrEqualTo(0);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var random = new Random(2);
        var evaluator = Evaluator(images);
        for (int i = 0; i < 10; i++) evaluator.Evaluate(space.Sample(random));
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void Block_gains_are_one_per_body_block()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(1));
        var space = TopologySearchSpace.Instance;
        var options = space.BenchmarkOptions(10).With(channels: 4, cellsPerStage: 1);
        using var network = space.BuildNetwork(space.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"), options);
        // Channels-last, as the proxies' context passes the batch (libtorch's NCHW backward is wrong with few channels on some CPUs).
        using var input = GaNas.Networks.MemoryLayout.ToChannelsLast(images);
        double[] gains = AzTrainability.BlockGains(network, input, 0);
        gains.Should().HaveCount(network.BodyModules.Count).And.OnlyContain(g => g > 0 && double.IsFinite(g));
    }

    [Fact]
    public void An_output_that_ignores_the_input_fails_the_Jacobian_covariance_with_a_reason()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(1));
        // The evaluator refuses such a cell before any proxy runs; the proxy's own guard is checked on a context directly.
        var options = new NetworkOptions { Classes = 10, Channels = 4, CellsPerStage = 1 };
        using var context = new ProxyContext(TopologySearchSpace.Instance, TopologySearchSpace.Instance.Parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"),
            images, options, 0, CleanPassNeeds.None);
        ProxyValue value = new JacobianCovariance().Compute(context);
        value.IsValid.Should().BeFalse();
        value.Failure.Should().Contain("input gradient");
    }
}

public class ChannelsLastTests
{
    public ChannelsLastTests() => TestEnvironment.InitTorch();

    [Fact]
    public void Channels_last_copy_keeps_shape_and_values_and_the_network_output()
    {
        using var scope = NewDisposeScope();
        var images = randn(4, 3, 8, 8, generator: new Generator(1));
        var nhwc = GaNas.Networks.MemoryLayout.ToChannelsLast(images);
        nhwc.shape.Should().Equal(images.shape);
        GaNas.Networks.MemoryLayout.IsChannelsLast(nhwc).Should().BeTrue();
        GaNas.Networks.MemoryLayout.IsChannelsLast(images).Should().BeFalse();
        nhwc.eq(images).all().item<bool>().Should().BeTrue();
        var space = TopologySearchSpace.Instance;
        using var network = space.BuildNetwork(space.Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"),
            space.BenchmarkOptions(10).With(channels: 4, cellsPerStage: 1));
        network.train();
        using var noGrad = inference_mode(true);
        network.call(nhwc).allclose(network.call(images), rtol: 1e-4, atol: 1e-4).Should().BeTrue();
    }
}

public class GradientProxyTests
{
    public GradientProxyTests() => TestEnvironment.InitTorch();

    [Fact]
    public void Gradient_proxies_need_labels_and_are_finite_with_them()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(1));
        using var labels = tensor(new long[] { 0, 1, 2, 3, 4, 5, 6, 7 });
        var space = SizeSearchSpace.Instance;
        var genome = space.Parse("16:8:24:8:16");
        var proxies = ProxyRegistry.CreateMany("zico,grad_norm,snip,grasp");
        var options = space.BenchmarkOptions(10);
        var withLabels = new ProxyEvaluator(space, proxies, images, options, 3, labels).Evaluate(genome);
        withLabels.Values.Values.Should().OnlyContain(v => v.IsValid);
        withLabels.Values["grad_norm"].Value.Should().BePositive();
        withLabels.Values["snip"].Value.Should().BePositive();
        var evaluator = new ProxyEvaluator(space, proxies, images, options, 3, labels);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var random = new Random(5);
        for (int i = 0; i < 5; i++) evaluator.Evaluate(space.Sample(random));
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before, "gradient passes, including GraSP's double backward, dispose what they create");
        var without = () => new ProxyEvaluator(space, proxies, images, options, 3).Evaluate(genome);
        without.Should().Throw<InvalidOperationException>().WithMessage("*need the labels*");
        using var tooFew = tensor(new long[] { 0, 1, 2 });
        using var wrongType = tensor(new int[] { 0, 1, 2, 3, 4, 5, 6, 7 });
        foreach (Tensor bad in new[] { tooFew, wrongType })
        {
            var refused = () => new ProxyEvaluator(space, proxies, images, options, 3, bad);
            refused.Should().Throw<ArgumentException>().WithMessage("*one int64 class index per image: 8 images*");
        }
    }

    [Fact]
    public void Labels_beyond_the_class_count_are_renumbered_into_range()
    {
        using var images = zeros(4, 3, 2, 2);
        var batch = new GaNas.Data.ProxyBatch(images, [900, 5, 900, 7], new GaNas.Data.Normalization([0, 0, 0], [1, 1, 1]), "test");
        using var small = batch.LabelTensor(3);
        small.data<long>().ToArray().Should().Equal(2, 0, 2, 1);
        using var plain = new GaNas.Data.ProxyBatch(images, [1, 0, 2, 1], batch.Normalization, "test").LabelTensor(3);
        plain.data<long>().ToArray().Should().Equal(1, 0, 2, 1);
    }
}
