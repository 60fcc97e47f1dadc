using GaNas.Proxies;
using static TorchSharp.torch;

namespace GaNas.Tests.Proxies;

public class ProxyMathTests
{
    public ProxyMathTests() => TestEnvironment.InitTorch();

    [Fact]
    public void Hamming_kernel_of_hand_made_codes()
    {
        // c0 = 1100, c1 = 1010, c2 = 0000: all pairwise Hamming distances are 2, N_A = 4.
        var kernel = new HammingKernel(3);
        kernel.Add(new byte[] { 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0 }, 4);
        kernel.Kernel().Should().Equal(4, 2, 2, 2, 4, 2, 2, 2, 4);
        // det [[4,2,2],[2,4,2],[2,2,4]] = 32
        kernel.LogAbsDeterminant().Value.Should().BeApproximately(Math.Log(32), 1e-12);
    }

    [Fact]
    public void Kernel_accumulated_layer_by_layer_equals_the_concatenated_code()
    {
        var random = new Random(3);
        int batch = 5;
        int[] layerUnits = [130, 64, 7, 1000];
        var whole = new List<byte[]>();
        for (int i = 0; i < batch; i++) whole.Add(new byte[layerUnits.Sum()]);
        var kernel = new HammingKernel(batch);
        int offset = 0;
        foreach (int units in layerUnits)
        {
            var codes = new byte[batch * units];
            for (int k = 0; k < codes.Length; k++) codes[k] = (byte)random.Next(2);
            for (int i = 0; i < batch; i++) Array.Copy(codes, i * units, whole[i], offset, units);
            kernel.Add(codes, units);
            offset += units;
        }
        double[] k2 = kernel.Kernel();
        for (int i = 0; i < batch; i++)
        {
            for (int j = 0; j < batch; j++)
            {
                // K = c_i.c_j + (1 - c_i).(1 - c_j), the textbook NASWOT formula.
                double expected = whole[i].Zip(whole[j]).Sum(p => p.First * p.Second + (1 - p.First) * (1 - p.Second));
                k2[i * batch + j].Should().Be(expected);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Kernel_from_activations_equals_the_kernel_from_their_gt_zero_codes(int parallelism)
    {
        // 16,450 units per image: full 64-unit words and a tail, enough units for the parallel path; NaN, -0 and +0
        // are inactive like gt(0) makes them.
        var random = new Random(11);
        int batch = 4, units = 16_450;
        var activations = new float[batch * units];
        for (int k = 0; k < activations.Length; k++) activations[k] = (float)(random.NextDouble() - 0.5);
        activations[3] = float.NaN;
        activations[70] = -0f;
        activations[71] = 0f;
        activations[units - 2] = -0f; // the tail (the last 2 units of a row) takes the scalar path
        activations[units - 1] = float.Epsilon;
        activations[units] = float.PositiveInfinity;
        using var scope = NewDisposeScope();
        byte[] codes = tensor(activations).gt(0).to_type(ScalarType.Byte).data<byte>().ToArray();
        codes[3].Should().Be(0);
        codes[units - 1].Should().Be(1);
        var fromCodes = new HammingKernel(batch) { Parallelism = parallelism };
        var fromActivations = new HammingKernel(batch) { Parallelism = parallelism };
        for (int layer = 0; layer < 2; layer++)
        {
            fromCodes.Add(codes, units);
            fromActivations.AddActive(activations, units);
        }
        fromActivations.Units.Should().Be(2 * units);
        fromActivations.Kernel().Should().Equal(fromCodes.Kernel());
        fromActivations.Kernel().Distinct().Count().Should().BeGreaterThan(2, "random codes give distinct distances");
    }

    [Fact]
    public void Identical_codes_make_a_singular_kernel_that_fails_with_a_reason()
    {
        var kernel = new HammingKernel(2);
        kernel.Add(new byte[] { 1, 0, 1, 1, 0, 1 }, 3);
        ProxyValue v = kernel.LogAbsDeterminant();
        v.IsValid.Should().BeFalse();
        v.Failure.Should().Contain("singular");
        double.IsNegativeInfinity(v.Value).Should().BeTrue();
    }

    [Fact]
    public void Log_determinant_matches_a_known_matrix_with_pivoting()
    {
        // [[0, 2], [3, 1]] needs a row swap; |det| = 6.
        LinearAlgebra.LogAbsDeterminant([0, 2, 3, 1], 2).Should().BeApproximately(Math.Log(6), 1e-12);
    }

    [Fact]
    public void Noise_immunity_formula_and_its_zero_branch()
    {
        // eta = log(e^2 + 1e-10) ~ 2, rho = 10 / 2 = 5, gamma = 100: NI = log(100 * 5 / 2).
        NoiseImmunity.Score(Math.Exp(2), 100, 10, 2).Value.Should().BeApproximately(Math.Log(250), 1e-9);
        // A total error below 1 gives eta < 0, a negative argument, and NI = 0.
        ProxyValue zero = NoiseImmunity.Score(0.5, 100, 10, 2);
        zero.Value.Should().Be(0);
        zero.IsValid.Should().BeTrue();
        NoiseImmunity.Score(double.NaN, 100, 10, 2).IsValid.Should().BeFalse();
        NoiseImmunity.Score(1, 100, 10, 0).Failure.Should().Contain("no pooling layer");
    }

    [Fact]
    public void SynFlow_and_LogSynFlow_of_a_two_layer_linear_net_by_hand()
    {
        using var first = nn.Linear(2, 2, hasBias: false, dtype: ScalarType.Float64);
        using var second = nn.Linear(2, 1, hasBias: false, dtype: ScalarType.Float64);
        using (no_grad())
        {
            first.weight!.copy_(tensor(new double[,] { { 1, -2 }, { 3, 4 } }));
            second.weight!.copy_(tensor(new double[,] { { -1, 2 } }));
        }
        using var net = nn.Sequential(first, second);
        SynFlowPass pass = SynFlowPass.Run(net, 1, 2);
        // |W1| = [[1,2],[3,4]], |W2| = [1,2], x = [1,1]: h = [3,7], R = 17.
        // dR/dW2 = h = [3,7]; dR/dW1 = [[1,1],[2,2]]. SynFlow = (3 + 14) + (1 + 2 + 6 + 8) = 34.
        pass.SynFlowSum.Should().BeApproximately(34, 1e-12);
        // LogSynFlow = 1 ln4 + 2 ln8 + (1 + 2) ln2 + (3 + 4) ln3 = 11 ln2 + 7 ln3.
        pass.LogSynFlowSum.Should().BeApproximately(11 * Math.Log(2) + 7 * Math.Log(3), 1e-12);
    }

    [Fact]
    public void Non_finite_values_become_failures_with_reasons()
    {
        ProxyValue.Of(double.NaN, "SynFlow").Failure.Should().Contain("SynFlow").And.Contain("NaN");
        ProxyValue.Of(double.PositiveInfinity, "SynFlow").IsValid.Should().BeFalse();
        ProxyValue.Of(1.5, "x").IsValid.Should().BeTrue();
    }

    [Fact]
    public void Registry_creates_known_proxies_and_names_the_known_ones_on_error()
    {
        ProxyRegistry.CreateMany("naswot, ni,logsynflow,naswot").Select(p => p.Name).Should().Equal("naswot", "ni", "logsynflow");
        var act = () => ProxyRegistry.Create("zico2");
        act.Should().Throw<ArgumentException>().WithMessage("*zico2*naswot*");
    }
}

public class FeatureEntropyTests
{
    public FeatureEntropyTests() => TestEnvironment.InitTorch();

    [Fact]
    public void Spectrum_entropy_by_hand()
    {
        FeatureEntropy.FromEigenvalues([1, 1, 1, 1]).Should().BeApproximately(Math.Log(4), 1e-12);
        FeatureEntropy.FromEigenvalues([5, 0, 0]).Should().Be(0);
        FeatureEntropy.FromEigenvalues([0, 0]).Should().Be(0);
        // p = (0.75, 0.25): H = -(0.75 ln 0.75 + 0.25 ln 0.25)
        FeatureEntropy.FromEigenvalues([3, 1, -1e-12]).Should().BeApproximately(-(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25)), 1e-12);
    }

    [Fact]
    public void Rank_one_features_have_zero_entropy_and_isotropic_ones_log_c()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        // Every channel a multiple of one signal: one direction of variance.
        var signal = TorchSharp.torch.randn(2000, 1, generator: new TorchSharp.torch.Generator(5));
        var rankOne = signal.matmul(TorchSharp.torch.tensor(new float[,] { { 1, 2, -3 } }));
        FeatureEntropy.Of(rankOne).Should().BeApproximately(0, 1e-6);
        var isotropic = TorchSharp.torch.randn(200000, 4, generator: new TorchSharp.torch.Generator(6));
        FeatureEntropy.Of(isotropic).Should().BeApproximately(Math.Log(4), 1e-3);
    }

    [Fact]
    public void Progressivity_is_the_smallest_increase()
    {
        AzProgressivity.Of([1.0, 1.5, 1.7, 2.5]).Value.Should().BeApproximately(0.2, 1e-12);
        AzProgressivity.Of([1.0, 0.5, 2.0]).Value.Should().BeApproximately(-0.5, 1e-12);
        AzProgressivity.Of([1.0]).IsValid.Should().BeFalse();
    }

    [Fact]
    public void Trainability_is_zero_for_unit_gains_and_symmetric_in_log_gain()
    {
        AzTrainability.Score([1.0, 1.0, 1.0]).Value.Should().Be(0);
        // sigma = 2 and sigma = 1/2 cost the same: 2 + 1/2 - 2 = 0.5 each.
        AzTrainability.Score([2.0, 0.5]).Value.Should().BeApproximately(-0.5, 1e-12);
        AzTrainability.Score([1.0, 0.0]).IsValid.Should().BeFalse();
        AzTrainability.Score([]).IsValid.Should().BeFalse();
    }

    [Fact]
    public void Jacobian_covariance_by_hand()
    {
        // Uncorrelated Jacobians: eigenvalues all 1.
        double one = -(Math.Log(1 + 1e-5) + 1 / (1 + 1e-5));
        JacobianCovariance.FromEigenvalues([1.0, 1.0]).Value.Should().BeApproximately(2 * one, 1e-12);
        // Perfectly correlated Jacobians (eigenvalues 2 and 0) score far lower.
        JacobianCovariance.FromEigenvalues([2.0, 0.0]).Value.Should().BeLessThan(-1e4);
    }

    [Fact]
    public void MeCo_smallest_correlation_eigenvalue_by_hand()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        // Independent channels with different variances: correlation = identity.
        Meco.MinCorrelationEigenvalue(TorchSharp.torch.tensor(new double[,] { { 4, 0 }, { 0, 9 } })).Should().BeApproximately(1, 1e-12);
        // Correlation 0.5: eigenvalues 1.5 and 0.5.
        Meco.MinCorrelationEigenvalue(TorchSharp.torch.tensor(new double[,] { { 4, 3 }, { 3, 9 } })).Should().BeApproximately(0.5, 1e-12);
        // A dead channel correlates with nothing: 0.
        Meco.MinCorrelationEigenvalue(TorchSharp.torch.tensor(new double[,] { { 4, 0 }, { 0, 0 } })).Should().BeApproximately(0, 1e-12);
    }
}
