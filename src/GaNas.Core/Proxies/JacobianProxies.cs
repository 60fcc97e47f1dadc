using GaNas.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// AZ-NAS trainability (Lee and Ham, CVPR 2024): a network trains well when every block neither
/// shrinks nor amplifies the gradients that flow back through it. For each body block l (cells and
/// reduction blocks) with input x_l and output y_l, a Gaussian vector v_l shaped like y_l gives the
/// vector-Jacobian product u_l = J_l^T v_l, and sigma_l = ||u_l|| / ||v_l|| estimates the block's gain
/// (random projection; E||J^T v||^2 = ||J||_F^2). Score = -(1/L) sum_l (sigma_l + 1/sigma_l - 2):
/// 0 when every gain is 1, more negative the further any gain is from 1 in either direction.
/// Every block's input is detached, so one forward and one backward pass give all L products.
/// The untrained network runs in train mode (batch statistics) on the shared image batch.
/// </summary>
internal sealed class AzTrainability : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "az_trainability";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        double[] gains = BlockGains(context.Network, context.Input, context.Seed);
        return Score(gains);
    }

    /// <summary>-(1/L) sum (sigma + 1/sigma - 2) over the block gains; failed when a gain is zero or not finite.</summary>
    public static ProxyValue Score(IReadOnlyList<double> gains)
    {
        ArgumentNullException.ThrowIfNull(gains);
        if (gains.Count == 0) return ProxyValue.Failed("the network has no blocks");
        double sum = 0;
        foreach (double sigma in gains)
        {
            if (!(sigma > 0) || !double.IsFinite(sigma)) return ProxyValue.Failed($"a block's Jacobian gain is {sigma}");
            sum += sigma + 1 / sigma - 2;
        }
        return ProxyValue.Of(-sum / gains.Count, "trainability");
    }

    /// <summary>The gain sigma_l of every body block, in order.</summary>
    public static double[] BlockGains(CellNetwork network, Tensor input, int seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)(uint)seed + 0x7A1UL);
        network.train();
        var blockInputs = new List<Tensor>();
        var projectionNorms = new List<double>();
        Tensor x;
        using (no_grad()) x = network.Stem(input);
        Tensor? total = null;
        foreach (var block in network.BodyModules)
        {
            Tensor xin = x.detach().requires_grad_(true);
            Tensor y = block.call(xin);
            Tensor v = randn(y.shape, dtype: y.dtype, generator: generator);
            projectionNorms.Add(v.norm().item<float>());
            Tensor projected = y.mul(v).sum();
            total = total is null ? projected : total.add(projected, GaNas.Runtime.Scalars.One);
            blockInputs.Add(xin);
            x = y;
        }
        if (total is null) return [];
        IList<Tensor> grads = autograd.grad([total], blockInputs, allow_unused: true);
        var gains = new double[blockInputs.Count];
        for (int l = 0; l < gains.Length; l++)
        {
            double norm = grads[l] is { } g && !g.IsInvalid ? g.norm().item<float>() : 0;
            gains[l] = norm / projectionNorms[l];
        }
        return gains;
    }
}

/// <summary>
/// Jacobian covariance (Mellor et al., "NAS without training", first version): the input gradients
/// J_i = d(sum of logits)/d(image i) of the untrained network (train mode) should be uncorrelated across
/// images. With the eigenvalues lambda of the images' Jacobian correlation matrix and k = 1e-5,
/// score = -sum (log(lambda + k) + 1/(lambda + k)); higher is better. A network whose output does not
/// depend on its input has no correlation matrix and fails.
/// </summary>
internal sealed class JacobianCovariance : IZeroCostProxy
{
    private const double K = 1e-5;

    /// <inheritdoc />
    public string Name => "jacov";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var scope = NewDisposeScope();
        CellNetwork network = context.Network;
        network.train();
        Tensor x = context.Input.detach().clone().requires_grad_(true);
        Tensor logits = network.call(x);
        Tensor jacobian = autograd.grad([logits.sum()], [x])[0];
        double[] eigenvalues;
        using (no_grad())
        {
            Tensor rows = jacobian.reshape(jacobian.shape[0], -1).to(ScalarType.Float64);
            rows = rows.sub(rows.mean([1], keepdim: true));
            Tensor norms = rows.norm(1, keepdim: true);
            if (norms.min().item<double>() <= 0) return ProxyValue.Failed("an image's input gradient is constant (the output ignores the input)");
            rows = rows.div(norms);
            eigenvalues = linalg.eigvalsh(rows.matmul(rows.t())).data<double>().ToArray();
        }
        return FromEigenvalues(eigenvalues);
    }

    /// <summary>-sum (log(lambda + k) + 1/(lambda + k)) with k = 1e-5 (negative eigenvalues from rounding count as 0).</summary>
    public static ProxyValue FromEigenvalues(IReadOnlyList<double> eigenvalues)
    {
        ArgumentNullException.ThrowIfNull(eigenvalues);
        double score = 0;
        foreach (double lambda in eigenvalues)
        {
            double v = Math.Max(lambda, 0) + K;
            score -= Math.Log(v) + 1 / v;
        }
        return ProxyValue.Of(score, "Jacobian covariance");
    }
}
