package io.dkv.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The served OpenAPI document parses, and documents every error code and the coordination routes. */
class OpenApiDocumentTest {

    @Test
    void documentsEveryErrorCodeAndTheCoordinationRoutes() throws Exception {
        JsonNode document;
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/openapi.yaml")) {
            document = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        List<String> codes = new ArrayList<>();
        document.at("/components/schemas/Error/properties/code/enum").forEach(code -> codes.add(code.asText()));
        assertThat(codes).containsExactlyInAnyOrderElementsOf(Arrays.stream(ErrorCode.values()).map(Enum::name).toList());

        List<String> paths = new ArrayList<>();
        document.get("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths).contains("/v1/stores/{store}/leases", "/v1/stores/{store}/leases/{id}", "/v1/stores/{store}/leases/{id}/refresh", "/v1/stores/{store}/leases/refresh",
                "/v1/stores/{store}/elections/{name}/campaign", "/v1/stores/{store}/elections/{name}/leader",
                "/v1/stores/{store}/elections/{name}/observe", "/v1/stores/{store}/elections/{name}/proclaim",
                "/v1/stores/{store}/elections/{name}/resign", "/v1/stores/{store}/locks/{key}", "/v1/stores/{store}/locks/{key}/refresh");
    }
}
