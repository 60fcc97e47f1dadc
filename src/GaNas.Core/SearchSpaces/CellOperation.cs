namespace GaNas.SearchSpaces;

/// <summary>The five candidate operations of a NAS-Bench-201 / NATS-Bench TSS cell edge, in the benchmark's order.</summary>
public enum CellOperation
{
    /// <summary><c>none</c>: zeros (the edge is absent).</summary>
    None = 0,
    /// <summary><c>skip_connect</c>: identity.</summary>
    SkipConnect = 1,
    /// <summary><c>nor_conv_1x1</c>: ReLU, 1x1 convolution, batch norm.</summary>
    Conv1x1 = 2,
    /// <summary><c>nor_conv_3x3</c>: ReLU, 3x3 convolution, batch norm.</summary>
    Conv3x3 = 3,
    /// <summary><c>avg_pool_3x3</c>: 3x3 average pooling, stride 1.</summary>
    AvgPool3x3 = 4,
}

/// <summary>Benchmark names of <see cref="CellOperation"/> values.</summary>
public static class CellOperations
{
    /// <summary>Names in enum order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"];

    /// <summary>The benchmark name of an operation.</summary>
    public static string Name(this CellOperation operation) => Names[(int)operation];

    /// <summary>Looks an operation up by its benchmark name.</summary>
    public static bool TryParse(string name, out CellOperation operation)
    {
        for (int i = 0; i < Names.Count; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.Ordinal))
            {
                operation = (CellOperation)i;
                return true;
            }
        }
        operation = CellOperation.None;
        return false;
    }
}
