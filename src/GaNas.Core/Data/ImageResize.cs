namespace GaNas.Data;

/// <summary>
/// Resizes 8-bit images with a separable triangle (bilinear) filter whose support widens by the reduction factor when
/// shrinking, so a downscale averages every source pixel it covers instead of sampling a few (the behaviour of PIL's
/// BILINEAR; pixel centres at half-integer coordinates). Values are rounded to the nearest byte. Used for raw image bytes
/// whose size differs from the network's input, at training and at prediction alike.
/// </summary>
public static class ImageResize
{
    /// <summary>The image at <paramref name="width"/> x <paramref name="height"/> (the same instance when it already is).</summary>
    public static DecodedImage To(DecodedImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"{width}x{height}", "The target size must be positive.");
        if (image.Width == width && image.Height == height) return image;
        int c = image.Channels;
        // Horizontal pass into floats, then vertical pass into bytes.
        var (xIndex, xWeight, xTaps) = Weights(image.Width, width);
        var (yIndex, yWeight, yTaps) = Weights(image.Height, height);
        var rows = new float[image.Height * width * c];
        for (int y = 0; y < image.Height; y++)
        {
            int src = y * image.Width * c, dst = y * width * c;
            for (int x = 0; x < width; x++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    float sum = 0;
                    for (int t = 0; t < xTaps; t++) sum += xWeight[x * xTaps + t] * image.Pixels[src + xIndex[x * xTaps + t] * c + ch];
                    rows[dst + x * c + ch] = sum;
                }
            }
        }
        var output = new byte[height * width * c];
        for (int y = 0; y < height; y++)
        {
            for (int i = 0; i < width * c; i++)
            {
                float sum = 0;
                for (int t = 0; t < yTaps; t++) sum += yWeight[y * yTaps + t] * rows[yIndex[y * yTaps + t] * width * c + i];
                output[y * width * c + i] = (byte)Math.Clamp(MathF.Round(sum), 0, 255);
            }
        }
        return new DecodedImage(width, height, c, output);
    }

    /// <summary>For each output coordinate, the source indices and normalised triangle weights (a fixed tap count, unused taps weigh 0).</summary>
    private static (int[] Index, float[] Weight, int Taps) Weights(int source, int target)
    {
        double scale = (double)source / target;
        double support = Math.Max(1.0, scale);  // triangle half-width in source pixels
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var index = new int[target * taps];
        var weight = new float[target * taps];
        for (int o = 0; o < target; o++)
        {
            double centre = (o + 0.5) * scale;
            int first = (int)Math.Floor(centre - support);
            double total = 0;
            for (int t = 0; t < taps; t++)
            {
                int s = first + t;
                double w = Math.Max(0, 1 - Math.Abs((s + 0.5 - centre) / support));
                if (s < 0 || s >= source) w = 0;
                index[o * taps + t] = Math.Clamp(s, 0, source - 1);
                weight[o * taps + t] = (float)w;
                total += w;
            }
            for (int t = 0; t < taps; t++) weight[o * taps + t] = (float)(weight[o * taps + t] / total);
        }
        return (index, weight, taps);
    }
}
