using Microsoft.ML.Data;

namespace GaNas.MLNet;

/// <summary>Turns encoded image bytes (LoadRawImageBytes) into planar pixels of the declared shape.</summary>
internal static class ImageFeatures
{
    /// <summary>Decodes an image to Channels x Height x Width floats in 0..255; errors name the row and the problem.</summary>
    public static float[] Decode(ReadOnlySpan<byte> encoded, int channels, int height, int width, string row)
    {
        if (encoded.Length == 0) throw new InvalidDataException($"{row}: the image is empty.");
        MLImage image;
        try
        {
            using var stream = new MemoryStream(encoded.ToArray());
            image = MLImage.CreateFromStream(stream);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{row}: the image cannot be decoded ({ex.Message}).", ex);
        }
        using (image)
        {
            if (image.Width != width || image.Height != height)
                throw new InvalidDataException($"{row}: the image is {image.Width}x{image.Height}, the trainer expects {width}x{height} (resize first, e.g. with ResizeImages).");
            byte[] bgr = image.GetBGRPixels;
            int plane = width * height;
            var pixels = new float[channels * plane];
            for (int p = 0; p < plane; p++)
            {
                float b = bgr[3 * p], g = bgr[3 * p + 1], r = bgr[3 * p + 2];
                if (channels == 3)
                {
                    pixels[p] = r;
                    pixels[plane + p] = g;
                    pixels[2 * plane + p] = b;
                }
                else
                {
                    pixels[p] = 0.299f * r + 0.587f * g + 0.114f * b;
                }
            }
            return pixels;
        }
    }
}
