using GaNas.Networks;
using GaNas.Proxies;
using GaNas.SearchSpaces;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Tests.Proxies;

public class TangentKernelAndFisherTests
{
    public TangentKernelAndFisherTests() => TestEnvironment.InitTorch();

    private static readonly NetworkOptions Tiny = new() { Classes = 10, Channels = 4, CellsPerStage = 1 };

    private const string Cell = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|";

    [Fact]
    public void Ntk_is_minus_the_condition_number_of_the_kernel_of_per_image_logit_gradients()
    {
        using var images = randn(6, 3, 16, 16, generator: new Generator(2));
        var space = TopologySearchSpace.Instance;
        Genome genome = space.Parse(Cell);
        double value = new ProxyEvaluator(space, ProxyRegistry.CreateMany("ntk"), images, Tiny, seed: 1).Evaluate(genome).Values["ntk"].Value;

        // The same kernel built another way: every image's gradient as one float64 vector over all the weights, then J Jᵀ.
        using var scope = NewDisposeScope();
        using var context = new ProxyContext(space, genome, images, Tiny, 1, CleanPassNeeds.None);
        CellNetwork network = context.Network;
        // TE-NAS takes every parameter whose name holds "weight": convolutions, the classifier and the batch norms' scales.
        var weights = network.named_parameters().Where(p => p.name.Contains("weight", StringComparison.Ordinal)).Select(p => (Tensor)p.parameter).ToList();
        weights.Should().Contain(w => w.dim() == 1, "the batch norms' scales are among them");
        network.train();
        Tensor logits = network.call(context.Input);
        var rows = new List<Tensor>();
        for (long i = 0; i < logits.shape[0]; i++)
        {
            var g = autograd.grad([logits[i].sum()], weights, retain_graph: true, allow_unused: true);
            rows.Add(cat(g.Select((t, l) => (t is null || t.IsInvalid ? zeros_like(weights[l]) : t).reshape(-1).to(ScalarType.Float64)).ToList()));
        }
        Tensor j = stack(rows);
        double[] eigenvalues = linalg.eigvalsh(j.matmul(j.t())).data<double>().ToArray();
        double expected = -eigenvalues[^1] / eigenvalues[0];

        value.Should().BeLessThanOrEqualTo(-1, "a condition number is at least 1");
        value.Should().BeApproximately(expected, Math.Abs(expected) * 1e-6);
    }

    [Fact]
    public void Fisher_sums_half_the_mean_squared_channel_saliency_of_every_conv_and_linear_output()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(3));
        using var labels = tensor(new long[] { 0, 1, 2, 3, 4, 5, 6, 7 });
        var space = TopologySearchSpace.Instance;
        Genome genome = space.Parse(Cell);
        double value = new ProxyEvaluator(space, ProxyRegistry.CreateMany("fisher"), images, Tiny, seed: 1, labels).Evaluate(genome).Values["fisher"].Value;

        // Independently: the layers' outputs kept by hooks, their gradients from autograd.grad (no retain_grad).
        using var scope = NewDisposeScope();
        using var context = new ProxyContext(space, genome, images, Tiny, 1, CleanPassNeeds.None);
        CellNetwork network = context.Network;
        var outputs = new List<Tensor>();
        var hooks = network.modules().Where(m => m is Conv2d or Linear).Cast<nn.Module<Tensor, Tensor>>()
            .Select(m => m.register_forward_hook((_, _, output) =>
            {
                Tensor kept = output.DetachFromDisposeScope();
                outputs.Add(kept);
                return kept.alias();
            })).ToList();
        network.train();
        Tensor loss = nn.functional.cross_entropy(network.call(context.Input), labels);
        hooks.ForEach(h => h.remove());
        var grads = autograd.grad([loss], outputs, allow_unused: true);
        double expected = 0;
        for (int k = 0; k < outputs.Count; k++)
        {
            double[] z = outputs[k].detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
            double[] g = grads[k].to(ScalarType.Float64).contiguous().data<double>().ToArray();
            long n = outputs[k].shape[0], c = outputs[k].shape[1], positions = z.Length / (n * c);
            for (long channel = 0; channel < c; channel++)
            {
                double meanSquare = 0;
                for (long image = 0; image < n; image++)
                {
                    double s = 0;
                    for (long p = 0; p < positions; p++)
                    {
                        long at = (image * c + channel) * positions + p;
                        s += z[at] * g[at];
                    }
                    meanSquare += s * s / n;
                }
                expected += 0.5 * meanSquare;
            }
        }

        outputs.ForEach(o => o.Dispose());
        outputs.Count.Should().BeGreaterThan(5, "the stem, the cells' convolutions, the reductions and the classifier");
        value.Should().BePositive();
        value.Should().BeApproximately(expected, expected * 1e-9);
    }

    [Fact]
    public void Snip_and_grad_norm_come_from_one_pass_over_the_whole_batch()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(5));
        using var labels = tensor(new long[] { 0, 1, 2, 3, 4, 5, 6, 7 });
        var space = TopologySearchSpace.Instance;
        Genome genome = space.Parse(Cell);
        // After the other proxies that take gradients of the same network (ZiCo, GraSP, Fisher).
        var values = new ProxyEvaluator(space, ProxyRegistry.CreateMany("zico,grasp,fisher,snip,grad_norm"), images, Tiny, seed: 1, labels).Evaluate(genome).Values;

        // By hand: one train-mode forward of all 8 images, the cross-entropy's gradient with respect to every convolution's
        // and linear layer's weight; SNIP sums |w g| over the weights, grad-norm sums the layers' gradient norms.
        using var scope = NewDisposeScope();
        using var context = new ProxyContext(space, genome, images, Tiny, 1, CleanPassNeeds.None);
        CellNetwork network = context.Network;
        var weights = network.modules().Select(m => m switch { Conv2d c => c.weight, Linear l => l.weight, _ => null }).OfType<Tensor>().ToList();
        network.train();
        Tensor loss = nn.functional.cross_entropy(network.call(context.Input), labels);
        var grads = autograd.grad([loss], weights, allow_unused: true);
        double snip = 0, gradNorm = 0;
        for (int l = 0; l < weights.Count; l++)
        {
            double[] w = weights[l].detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
            double[] g = grads[l] is { IsInvalid: false } t ? t.to(ScalarType.Float64).contiguous().data<double>().ToArray() : new double[w.Length];
            snip += w.Zip(g, (a, b) => Math.Abs(a * b)).Sum();
            gradNorm += Math.Sqrt(g.Sum(x => x * x));
        }

        values["snip"].Value.Should().BeApproximately(snip, snip * 1e-9);
        values["grad_norm"].Value.Should().BeApproximately(gradNorm, gradNorm * 1e-9);
        values["zico"].IsValid.Should().BeTrue("ZiCo still has its two mini-batches");

        // A network that still holds another pass's gradients gives the same values: the pass clears them first.
        using var stale = new ProxyContext(space, genome, images, Tiny, 1, CleanPassNeeds.None) { Labels = labels };
        stale.Network.train();
        stale.Network.call(stale.Input).square().sum().backward();
        stale.BatchGradients.Snip.Should().BeApproximately(snip, snip * 1e-9);
        stale.BatchGradients.GradNorm.Should().BeApproximately(gradNorm, gradNorm * 1e-9);
    }

    [Fact]
    public void Ntk_and_fisher_dispose_what_they_create_and_repeat_their_values()
    {
        using var images = randn(8, 3, 16, 16, generator: new Generator(4));
        using var labels = tensor(new long[] { 0, 1, 2, 3, 4, 5, 6, 7 });
        var space = TopologySearchSpace.Instance;
        var evaluator = new ProxyEvaluator(space, ProxyRegistry.CreateMany("ntk,fisher"), images, Tiny, seed: 2, labels);
        var random = new Random(8);
        var genomes = Enumerable.Range(0, 4).Select(_ => space.Sample(random)).Where(g => space.Degeneracy(g) is null).ToList();
        var first = genomes.Select(evaluator.Evaluate).ToList();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var second = genomes.Select(evaluator.Evaluate).ToList();
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        for (int i = 0; i < genomes.Count; i++)
        {
            second[i].Values["ntk"].Value.Should().Be(first[i].Values["ntk"].Value);
            second[i].Values["fisher"].Value.Should().Be(first[i].Values["fisher"].Value);
        }
        var withoutLabels = () => new ProxyEvaluator(space, ProxyRegistry.CreateMany("fisher"), images, Tiny, seed: 2).Evaluate(genomes[0]);
        withoutLabels.Should().Throw<InvalidOperationException>().WithMessage("*need the labels*");
    }
}
