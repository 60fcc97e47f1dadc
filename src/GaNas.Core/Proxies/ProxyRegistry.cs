namespace GaNas.Proxies;

/// <summary>
/// The proxies known by name. Adding a proxy is one class implementing <see cref="IZeroCostProxy"/> and one
/// <see cref="Register"/> call (here for the built-in ones, anywhere else for a user's own, before it is used); the
/// CLI, the scores and the ML.NET trainer then accept its name.
/// </summary>
public static class ProxyRegistry
{
    private static readonly Registry<Func<IZeroCostProxy>> Proxies = CreateBuiltIn();

    private static Registry<Func<IZeroCostProxy>> CreateBuiltIn()
    {
        var r = new Registry<Func<IZeroCostProxy>>("proxy");
        r.Register("naswot", "NASWOT: log-determinant of the Hamming kernel of the ReLU activation codes of a batch (Mellor et al.).", () => new Naswot());
        r.Register("ni", "Noise immunity NI: how little the feature maps at the pooling layers move when Gaussian noise is added to the images (Wu, Lin, Tsai).", () => new NoiseImmunity());
        r.Register("logsynflow", "LogSynFlow: SynFlow with log-scaled gradients, in float64 (Cavagnero et al., FreeREA).", () => new LogSynFlow());
        r.Register("synflow", "SynFlow: sum of |theta * dR/dtheta| over conv and linear weights (Tanaka et al.).", () => new SynFlow());
        r.Register("params", "Parameter count.", () => new ParamsProxy());
        r.Register("macs", "Multiply-accumulates of one forward pass at the batch's input size.", () => new MacsProxy());
        r.Register("az_expressivity", "AZ-NAS expressivity: eigenvalue entropy of each block's output features, summed over the blocks (Lee and Ham).", () => new AzExpressivity());
        r.Register("az_progressivity", "AZ-NAS progressivity: the smallest increase of the block entropy from one block to the next.", () => new AzProgressivity());
        r.Register("zico", "ZiCo: high mean and low variance of gradients across batches, layer by layer (Li et al.).", () => new Zico());
        r.Register("grad_norm", "Gradient norm at initialisation, summed over layers (Abdelfattah et al.).", () => new GradNorm());
        r.Register("snip", "SNIP: connection sensitivity, sum of |theta * dL/dtheta| at initialisation (Lee et al.).", () => new Snip());
        r.Register("az_trainability", "AZ-NAS trainability: how close every block's backward gain is to 1 (vector-Jacobian products).", () => new AzTrainability());
        r.Register("jacov", "Jacobian covariance: input gradients of the untrained network should be uncorrelated across images (Mellor et al., first version).", () => new JacobianCovariance());
        r.Register("meco", "MeCo: the smallest eigenvalue of each block's channel correlation matrix, summed over the blocks (Jiang et al.).", () => new Meco());
        r.Register("grasp", "GraSP: gradient signal preservation, -sum theta * (H g) at initialisation (Wang et al.).", () => new Grasp());
        r.Register("ntk", "NTK: minus the condition number of the empirical neural tangent kernel of the batch, one backward pass per image (TE-NAS, Chen et al.).", () => new NtkConditionNumber());
        r.Register("fisher", "Fisher: sum over the channels of conv and linear outputs of 1/2 mean (sum z * dL/dz)^2, the loss increase if each channel were removed (Theis et al.; Abdelfattah et al.).", () => new Fisher());
        return r;
    }

    /// <summary>Names of all registered proxies, in registration order.</summary>
    public static IReadOnlyList<string> Names => Proxies.Names;

    /// <summary>Every registered proxy with its description.</summary>
    public static IReadOnlyList<RegistryEntry<Func<IZeroCostProxy>>> Entries => Proxies.Entries;

    /// <summary>Whether a proxy of that name is registered.</summary>
    public static bool Contains(string name) => Proxies.Contains(name);

    /// <summary>
    /// Registers a proxy factory. A name that is taken is refused. The factory's proxies must report the same
    /// <see cref="IZeroCostProxy.Name"/> as registered.
    /// </summary>
    public static void Register(string name, string description, Func<IZeroCostProxy> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Proxies.Register(name, description, () =>
        {
            IZeroCostProxy proxy = factory();
            return string.Equals(proxy.Name, name, StringComparison.Ordinal)
                ? proxy
                : throw new InvalidOperationException($"The factory registered as proxy '{name}' made a proxy named '{proxy.Name}'.");
        });
    }

    /// <summary>Creates a proxy by name; unknown names list the known ones.</summary>
    public static IZeroCostProxy Create(string name) => Proxies.Get(name)();

    /// <summary>Creates the proxies of a comma-separated list, in order, without duplicates.</summary>
    public static IReadOnlyList<IZeroCostProxy> CreateMany(string names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var list = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.OrdinalIgnoreCase).Select(Create).ToList();
        return list.Count > 0 ? list : throw new ArgumentException("No proxy named.", nameof(names));
    }
}
