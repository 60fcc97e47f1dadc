using Microsoft.ML;
using Microsoft.ML.Data;

namespace GaNas.Tests;

/// <summary>A row of 4x4 one-channel pixels with a text label.</summary>
public sealed class SmallPixelRow
{
    public string Label { get; set; } = "a";

    [VectorType(16)]
    public float[] Features { get; set; } = new float[16];
}

/// <summary>Small synthetic data the ML.NET tests share.</summary>
public static class PixelRows
{
    /// <summary>Rows of 4x4 one-channel pixels whose class ("0" or "1") shifts every pixel by 1: separable at once.</summary>
    public static IDataView TwoClass(MLContext ml, int count, int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            var pixels = new float[16];
            for (int k = 0; k < 16; k++) pixels[k] = (float)random.NextDouble() + (i % 2);
            return new SmallPixelRow { Label = (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture), Features = pixels };
        }).ToList();
        return ml.Data.LoadFromEnumerable(rows);
    }
}
