// Fetches a URL over HTTPS with the JDK's default trust store and prints the status, the trust
// store's CA count and the body. Compiled into Fetch.class (checked in: the JRE has no javac program;
// the smoke test also runs this file with the java launcher's source mode):
//   javac --release 17 -d . Fetch.java
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class Fetch {
  public static void main(String[] args) throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    int cas = ((X509TrustManager) tmf.getTrustManagers()[0]).getAcceptedIssuers().length;
    HttpsURLConnection conn = (HttpsURLConnection) new URL(args[0]).openConnection();
    try (InputStream in = conn.getInputStream()) {
      String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      System.out.println("status " + conn.getResponseCode() + ", trusted CAs " + cas + ", charset " + System.getProperty("file.encoding"));
      System.out.print(body);
    }
  }
}
