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
    public void An_all_none_cell_does_not_poison_the_evaluation()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(1));
        var genome = TopologySearchSpace.Instance.Parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
        var scores = Evaluator(TopologySearchSpace.Instance, images).Evaluate(genome);
        // The cells output zeros: LogSynFlow is 0 (no path), NI is defined; nothing throws or returns NaN.
        scores.Values.Values.Should().OnlyContain(v => !double.IsNaN(v.Value));
        scores.Values["logsynflow"].Value.Should().Be(0);
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
        var proxies = ProxyRegistry.CreateMany("zico,grad_norm,snip");
        var options = space.BenchmarkOptions(10);
        var withLabels = new ProxyEvaluator(space, proxies, images, options, 3, labels).Evaluate(genome);
        withLabels.Values.Values.Should().OnlyContain(v => v.IsValid);
        withLabels.Values["grad_norm"].Value.Should().BePositive();
        withLabels.Values["snip"].Value.Should().BePositive();
        var without = () => new ProxyEvaluator(space, proxies, images, options, 3).Evaluate(genome);
        without.Should().Throw<InvalidOperationException>().WithMessage("*need the labels*");
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
